"""The wording of a drill's objectives and of the figures behind each verdict, e.g.
「82 % (41/50) 60 分以内 / 目標 80 %」."""

from __future__ import annotations

from flask_babel import gettext as _

from ..models.drills import DrillObjective, ObjectiveKind
from .measure import Result


def objective_text(objective: DrillObjective) -> str:
    """The objective as the planner set it."""
    minutes = objective.minutes
    if objective.kind is ObjectiveKind.VENTILATOR_REACHED:
        return _("Every ventilator user reached within %(m)d minutes", m=minutes)
    if objective.kind is ObjectiveKind.SHELTERS_OPENED:
        return _("Every welfare shelter of the area opened within %(m)d minutes", m=minutes)
    if objective.band:
        return _("%(p)d %% of band %(band)s confirmed within %(m)d minutes",
                 p=objective.percent, band=objective.band, m=minutes)  # fmt: skip
    return _("%(p)d %% of everyone confirmed within %(m)d minutes", p=objective.percent, m=minutes)


def result_text(result: Result) -> str:
    """The figures behind the verdict: the share within the minutes, of how many, the target."""
    minutes, target = result.objective.minutes, result.target
    if not result.total:
        if result.objective.kind is ObjectiveKind.SHELTERS_OPENED:
            return _("No welfare shelter to measure / target %(t)d %%", t=target)
        return _("No one to measure / target %(t)d %%", t=target)
    text = _("%(p)s %% (%(hit)d/%(total)d) within %(m)d minutes / target %(t)d %%",
             p=result.percent, hit=result.hit, total=result.total, m=minutes,
             t=target)  # fmt: skip
    late = result.reached - result.hit
    if late > 0:
        text += _(" · %(n)d more later in the drill", n=late)
    return text
