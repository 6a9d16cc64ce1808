"""A drill scenario for the tests: the drill tests' own, and the access matrix's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from roster.drills.scenarios import Objective, ScenarioDraft, create_scenario
from roster.models import DrillHazard, DrillScenario, ObjectiveKind
from roster.viewer import viewer_of

START = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)


def make_scenario(db: Any, world: dict[str, Any], **changes: Any) -> DrillScenario:
    """A scheduled drill over district A, with the world's organisation taking part."""
    values: dict[str, Any] = dict(
        name="総合防災訓練",
        planned_start=START,
        planned_end=START + timedelta(hours=3),
        hazard=DrillHazard.EARTHQUAKE,
        districts=[world["districts"][0]],
        organisations=[world["organisation"]],
        objectives=[Objective(ObjectiveKind.SHARE_CONFIRMED, 60, "A", 80)],
    )
    values.update(changes)
    staff = viewer_of(world["users"]["staff"], db)
    return create_scenario(db, staff, ScenarioDraft(**values))


def matrix_scenario_id(w: dict[str, Any]) -> int:
    """A scheduled scenario for the access matrix (made once per test, kept in the world)."""
    from roster.extensions import db as database

    if "drill_scenario" not in w:
        w["drill_scenario"] = make_scenario(database.session, w)
    return int(w["drill_scenario"].id)
