"""The demo's hazard layers: synthetic flood and landslide areas for 西東京市.

The real layers (国土数値情報 A31 浸水想定区域, A33 土砂災害警戒区域) are not available offline,
so the demo imports the made-up ones in geo/data (see geo/data/README.md), marked synthetic:
every map and page that shows them says they are not real hazard data.

The demo loader calls load_demo_hazards() once the shelters and registrants are in.
"""

from __future__ import annotations

from geo.gsi import DATA_DIR

from ..extensions import DbSession
from ..models import User
from .assignment import Recomputed, recompute_all
from .layers import import_layer

FLOOD_FILE = DATA_DIR / "synthetic_flood_nishitokyo.geojson"
LANDSLIDE_FILE = DATA_DIR / "synthetic_landslide_nishitokyo.geojson"
#: Layer names as staff see them in the demo (data, like the shelters' names).
FLOOD_NAME = "浸水想定区域（合成・デモ用）"
LANDSLIDE_NAME = "土砂災害警戒区域（合成・デモ用）"
#: The demo's layers, in the order they are imported: (file, kind, name).
DEMO_LAYERS = ((FLOOD_FILE, "flood", FLOOD_NAME), (LANDSLIDE_FILE, "landslide", LANDSLIDE_NAME))


def load_demo_hazards(
    session: DbSession, actor: User | None = None, crs: str | None = None
) -> Recomputed:
    """Import both synthetic layers, then compute everyone's hazard flags and shelter
    assignments. The caller commits."""
    for path, kind, name in DEMO_LAYERS:
        import_layer(
            session,
            path,
            kind,
            actor=actor,
            name=name,
            synthetic=True,
            crs=crs,
            recompute=False,
            audit=False,
        )
    return recompute_all(session, crs=crs)
