"""The forms of the after-action report and its corrective actions."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..formtext import DateField
from ..labels import choices
from ..models.drills import ActionStatus

#: The longest text of the report's words, in characters.
WORDS_MAX = 20000


class WordsForm(FlaskForm):
    """The words of the after-action report, written by the planner or staff."""

    overview = TextAreaField(_l("Overview"), validators=[Length(max=WORDS_MAX)])
    strengths = TextAreaField(_l("Strengths"), validators=[Length(max=WORDS_MAX)])
    improvements = TextAreaField(_l("Areas for improvement"), validators=[Length(max=WORDS_MAX)])
    #: The version the form was built on.
    version = HiddenField()

    def values(self) -> dict[str, str]:
        return {name: (getattr(self, name).data or "").strip() for name in WORDS}


WORDS = ("overview", "strengths", "improvements")


class ActionForm(FlaskForm):
    """A corrective action of the improvement plan."""

    title = StringField(_l("Corrective action"), validators=[DataRequired(), Length(max=200)])
    owner = StringField(_l("Owner"), validators=[DataRequired(), Length(max=120)])
    due_on = DateField(_l("Due date"), validators=[DataRequired()])
    status = SelectField(_l("Status"), default=ActionStatus.OPEN)
    done_on = DateField(_l("Done on"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Length(max=4000)])
    version = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Labelled per request, in the user's language.
        self.status.choices = choices(ActionStatus)

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' checks, then: a done action has the date it was done, not a future one
        (the field itself is optional, which would skip a check of its own)."""
        ok = super().validate(extra_validators)
        done_on = self.done_on.data
        if self.status.data == ActionStatus.DONE and done_on is None:
            self.done_on.errors = [*self.done_on.errors, _l("Give the date the action was done.")]
            ok = False
        if done_on is not None and done_on > date.today():
            self.done_on.errors = [
                *self.done_on.errors,
                _l("The date it was done cannot be in the future."),
            ]
            ok = False
        return ok

    def values(self) -> dict[str, Any]:
        status = ActionStatus(self.status.data)
        return {
            "title": (self.title.data or "").strip(),
            "owner": (self.owner.data or "").strip(),
            "due_on": self.due_on.data,
            "status": status,
            "done_on": self.done_on.data if status is ActionStatus.DONE else None,
            "note": (self.note.data or "").strip(),
        }
