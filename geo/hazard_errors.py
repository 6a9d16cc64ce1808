"""Why a hazard file is refused: one code per reason, with its English sentence.

geo/ knows no languages: the application says the same thing in the user's language from
the code and the parameters (roster/hazards/refusals.py), and a test checks that it has a
sentence for every code here with the same parameters.
"""

from __future__ import annotations

#: The English sentence of each refusal; its %(name)s parameters are the error's params.
MESSAGES: dict[str, str] = {
    "unknown_kind": "unknown hazard kind %(kind)s; expected one of %(kinds)s",
    "bad_encoding": "%(file)s is not valid %(encoding)s",
    "unreadable": "%(file)s cannot be read as GeoJSON, Shapefile or GeoPackage: %(error)s",
    "no_crs": (
        "%(file)s has no coordinate reference system (a Shapefile needs its .prj); without "
        "one its coordinates cannot be placed"
    ),
    "tokyo_datum": (
        "%(file)s uses the old Tokyo datum (%(crs)s), which cannot be converted accurately "
        "without a grid file; ask for the data in JGD2011 or WGS84"
    ),
    "no_polygons": (
        "%(file)s has no polygon features (a hazard layer must outline areas, not points or "
        "lines)"
    ),
    "bad_feature": "feature %(feature)s of %(file)s cannot be read as an area: %(reason)s",
    "unrepairable": (
        "feature %(feature)s of %(file)s is not a valid area (%(reason)s) and cannot be "
        "repaired into one; correct it in a GIS and import the file again"
    ),
    "missing_property": (
        "%(file)s has no property %(property)s (its properties: %(properties)s)"
    ),
    "no_depth_property": (
        "%(file)s has no flood depth property: expected A31a_205 or A31_205 (国土数値情報 "
        "A31); name the property that holds the depth rank with --depth-property (its "
        "properties, with values seen: %(properties)s)"
    ),
    "unknown_depths": (
        "%(count)s areas of %(file)s have a depth rank in %(property)s that is not a whole "
        "number (values seen: %(values)s)"
    ),
    "no_zone_property": (
        "the zone (特別警戒区域 or 警戒区域) of %(file)s cannot be read: it has no property "
        "A33_002, kubun or 区分; name the property with --zone-property, or, if every area "
        "is a 警戒区域, say so with --zone warning (its properties, with values seen: "
        "%(properties)s)"
    ),
    "missing_zones": (
        "%(count)s areas of %(file)s have no zone in %(property)s; say which zone they are "
        "with --zone warning or --zone special"
    ),
    "unknown_zones": (
        "%(count)s areas of %(file)s have a zone in %(property)s that is not 特別警戒区域 or "
        "警戒区域 (values seen: %(values)s); say what each value means with --zone-value, "
        "e.g. --zone-value \"R=special\""
    ),
    "unknown_phenomena": (
        "%(count)s areas of %(file)s have a phenomenon in %(property)s that is not 急傾斜地の"
        "崩壊, 土石流 or 地滑り (values seen: %(values)s); say what each value means with "
        "--phenomenon-value, e.g. --phenomenon-value \"K=steep_slope\""
    ),
    "bad_value_map": (
        "%(entry)s is not a value and its meaning: write VALUE=MEANING, the meaning one of "
        "%(meanings)s"
    ),
}


class HazardInputError(ValueError):
    """A hazard file that is refused. str() is the English sentence; `code` and `params`
    (strings) let the application say it in the user's language."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = {name: str(value) for name, value in params.items()}
        super().__init__(MESSAGES[code] % self.params)
