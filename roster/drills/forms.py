"""The scenario form: name, window, hazard, area, organisations, release simulation and up to
six objectives, each checked with a message that says what to fix.

The window's times are typed in the municipality's time zone as a date the app reads
anywhere (2026-09-01, 2026/9/1, 令和8年9月1日 ...) and a time of day (09:00), and kept in UTC.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..consent.forms import CheckboxesField
from ..formtext import strip
from ..imports.dates import DateError, parse_date
from ..models import DrillHazard, HazardKind, HazardLayer, ObjectiveKind
from ..registrants.forms import REQUIRED, add_error
from ..releases.forms import local_zone
from ..text import nfkc

NONE = 0
MAX_OBJECTIVES = 6
BANDS = ("A", "B", "C")
_TIME = re.compile(r"(?:\s+|T)(\d{1,2}):(\d{2})(?::\d{2})?$")
BAD_WHEN = _l("Give a date and a time, e.g. 2026-09-01 09:00 or 令和8年9月1日 9:00.")


class WhenField(StringField):
    """A date the app reads anywhere, and a time of day, in the municipality's time zone."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.when: datetime | None = None
        text = nfkc(self.data or "").strip()
        if not text:
            return
        match = _TIME.search(text)
        try:
            if match is None:
                raise ValueError
            hour, minute = int(match[1]), int(match[2])
            day = parse_date(text[: match.start()])
            self.when = datetime.combine(day, time(hour, minute), tzinfo=local_zone())
        except (DateError, ValueError):
            raise ValueError(str(BAD_WHEN)) from None

    def _value(self) -> str:
        return str(self.data or "")


def when_text(moment: datetime) -> str:
    """How a WhenField shows a stored time: local, to the minute."""
    return moment.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")


class ObjectiveRow(Form):
    """One objective; a row without a kind is left out."""

    kind = SelectField(_l("Objective"), default="")
    band = SelectField(_l("Band"), default="")
    percent = IntegerField(
        _l("Share (%)"),
        validators=[Optional(), NumberRange(1, 100, _l("Give a share from 1 to 100."))],
    )
    minutes = IntegerField(
        _l("Within (minutes)"),
        validators=[Optional(), NumberRange(1, 24 * 60, _l("Give 1 to 1440 minutes."))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", "—")] + [(k.value, OBJECTIVE_NAMES[k]) for k in ObjectiveKind]
        self.band.choices = [("", _l("Everyone"))] + [(b, b) for b in BANDS]

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        self._check()
        return not self.errors

    def _check(self) -> None:
        """The checks between fields of a filled row."""
        if not self.kind.data:
            return
        if self.minutes.data is None and not self.minutes.errors:
            add_error(self.minutes, _l("Give the minutes within which it must be reached."))
        shared = self.kind.data == ObjectiveKind.SHARE_CONFIRMED.value
        if shared and self.percent.data is None and not self.percent.errors:
            add_error(self.percent, _l("Give the share to confirm, in %."))
        if not shared and self.band.data:
            add_error(self.band, _l("A band goes with a share confirmed only."))


OBJECTIVE_NAMES = {
    ObjectiveKind.SHARE_CONFIRMED: _l("Share confirmed"),
    ObjectiveKind.VENTILATOR_REACHED: _l("Every ventilator user reached"),
    ObjectiveKind.SHELTERS_OPENED: _l("Every welfare shelter opened"),
}

HAZARD_NAMES = {
    DrillHazard.EARTHQUAKE: _l("Earthquake"),
    DrillHazard.FLOOD: _l("Flood"),
    DrillHazard.LANDSLIDE: _l("Landslide"),
    DrillHazard.TSUNAMI: _l("Tsunami"),
    DrillHazard.FIRE: _l("Large fire"),
    DrillHazard.OTHER: _l("Other"),
}


class ScenarioForm(FlaskForm):
    name = StringField(
        _l("Name of the drill"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=120)],
    )
    planned_start = WhenField(
        _l("Planned start"), validators=[DataRequired(REQUIRED), Length(max=40)]
    )
    planned_end = WhenField(
        _l("Planned end"), validators=[DataRequired(REQUIRED), Length(max=40)]
    )
    hazard = SelectField(_l("Hazard"), validators=[DataRequired(REQUIRED)])
    districts = CheckboxesField(_l("Districts"), coerce=int)
    hazard_layer = SelectField(_l("Hazard layer"), coerce=int, default=NONE)
    min_flood_rank = SelectField(_l("Lowest flood depth"), coerce=int, default=NONE)
    organisations = CheckboxesField(_l("Organisations taking part"), coerce=int)
    simulate_release = BooleanField(_l("Simulate a disaster-time release (counts only)"))
    description = TextAreaField(_l("Description"), validators=[Length(max=4000)])
    objectives = FieldList(FormField(ObjectiveRow), min_entries=MAX_OBJECTIVES)
    version = HiddenField()

    def __init__(self, *args: Any, layers: list[HazardLayer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.layers = {layer.id: layer for layer in layers}
        self.hazard.choices = [("", _l("Choose…"))] + [
            (h.value, HAZARD_NAMES[h]) for h in DrillHazard
        ]
        while len(self.objectives.entries) < MAX_OBJECTIVES:
            self.objectives.append_entry()

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        self._check_window()
        self._check_area()
        return not self.errors

    def _check_window(self) -> None:
        start, end = self.start(), self.end()
        if start is not None and end is not None and end <= start:
            add_error(self.planned_end, _l("The end must be after the start."))

    def _check_area(self) -> None:
        layer = self.layer()
        if layer is not None and layer.kind not in (HazardKind.FLOOD, HazardKind.LANDSLIDE):
            add_error(self.hazard_layer, _l("Only flood and landslide layers can set an area."))
        elif layer is not None and layer.kind is HazardKind.FLOOD and not self.min_flood_rank.data:
            add_error(
                self.min_flood_rank, _l("Choose the lowest flood depth taken into the drill.")
            )
        elif not self.districts.data and layer is None:
            add_error(
                self.districts, _l("Choose at least one district, or a hazard layer's areas.")
            )

    def start(self) -> datetime | None:
        return getattr(self.planned_start, "when", None)

    def end(self) -> datetime | None:
        return getattr(self.planned_end, "when", None)

    def layer(self) -> HazardLayer | None:
        return self.layers.get(self.hazard_layer.data or NONE)

    def flood_rank(self) -> int | None:
        layer = self.layer()
        if layer is None or layer.kind is not HazardKind.FLOOD:
            return None
        return self.min_flood_rank.data or None

    def objective_rows(self) -> list[dict[str, Any]]:
        """The filled rows, in order."""
        rows = []
        for row in self.objectives:
            sub = row.form
            if sub.kind.data:
                shared = sub.kind.data == ObjectiveKind.SHARE_CONFIRMED.value
                rows.append(
                    {
                        "kind": ObjectiveKind(sub.kind.data),
                        "band": (sub.band.data or None) if shared else None,
                        "percent": sub.percent.data if shared else 100,
                        "minutes": sub.minutes.data,
                    }
                )
        return rows
