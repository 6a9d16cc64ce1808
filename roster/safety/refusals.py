"""The refusals of the safety operations (SafetyRefused), in the user's language.

roster.safety.operations says why it refuses in English words meant for logs and tests; the
pages show the matching sentence here, or a general one for a refusal not listed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .operations import SafetyRefused

REFUSALS = {
    "only staff start and end a safety operation": _l(
        "Only welfare staff start and end an operation."
    ),
    "an operation needs districts or the areas of a hazard layer": _l(
        "Choose at least one district, or a hazard layer's areas."
    ),
    "the operation has already ended": _l("This operation has already ended."),
    "only staff hand a person on": _l("Only welfare staff hand a person on."),
}
GENERAL = _l("The operation could not be changed.")


def refusal_text(exc: SafetyRefused) -> str:
    """The refusal's message in the user's language."""
    return str(REFUSALS.get(str(exc), GENERAL))
