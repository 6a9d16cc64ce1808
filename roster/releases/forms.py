"""The forms that declare and renew a disaster-time release (49-11(3)).

Times are typed in the municipality's time zone (datetime-local has none) and kept in UTC.
The limits depend on the moment of the request and on release.max_days, so the view passes
both in.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..consent.forms import CheckboxesField
from ..formtext import strip
from ..registrants.forms import REQUIRED, add_error
from .operations import Declaration

#: The legal basis a declaration starts from; staff may add the disaster's particulars.
DEFAULT_LEGAL_BASIS = (
    "災害対策基本法第49条の11第3項に基づき、災害が発生し又は発生するおそれがある場合において、"
    "避難行動要支援者の生命又は身体を災害から保護するために特に必要があるため"
)
#: What datetime-local sends: minutes, and seconds from browsers that add them.
TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
BAD_TIME = _l("Give a date and time, e.g. 2026-09-01 18:00.")


def local_zone() -> tzinfo:
    """The municipality's time zone, in which staff type times."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _time_field(label: Any) -> DateTimeLocalField:
    return DateTimeLocalField(
        label,
        format=TIME_FORMATS,
        tz=local_zone,
        invalid_value_message=BAD_TIME,
        validators=[InputRequired(REQUIRED)],
    )


class DeclareForm(FlaskForm):
    name = StringField(
        _l("Disaster name"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=120)]
    )
    all_districts = BooleanField(_l("All districts"))
    districts = CheckboxesField(_l("Districts released"), coerce=int)
    starts_at = _time_field(_l("Start"))
    ends_at = _time_field(_l("End"))
    legal_basis = TextAreaField(
        _l("Legal basis and reason"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=2000)],
        default=DEFAULT_LEGAL_BASIS,
    )
    confirm = BooleanField(
        _l(
            "I understand that partners with emergency provision will see people who have not "
            "consented"
        )
    )

    def __init__(
        self,
        *args: Any,
        district_choices: list[tuple[int, str]],
        now: datetime,
        max_days: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.districts.choices = district_choices
        self.now = now
        self.max_days = max_days

    def chosen_districts(self) -> list[int]:
        """The districts to release: every one with "All districts", else those ticked."""
        if self.all_districts.data:
            return [value for value, _label in self.districts.choices or ()]
        return list(self.districts.data or [])

    def declaration(self) -> Declaration:
        assert self.starts_at.data is not None and self.ends_at.data is not None
        return Declaration(
            name=self.name.data or "",
            district_ids=self.chosen_districts(),
            starts_at=self.starts_at.data,
            ends_at=self.ends_at.data,
            legal_basis=self.legal_basis.data or "",
        )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not self.chosen_districts():
            add_error(self.districts, _l("Choose at least one district, or all districts."))
        if not self.confirm.data:
            add_error(self.confirm, _l("Confirm that you understand what the release does."))
        self._check_times()
        return valid and not self.errors

    def _check_times(self) -> None:
        """The start at most max_days back; the end after it, within max_days of it, and to come."""
        start, end = self.starts_at.data, self.ends_at.data
        limit = timedelta(days=self.max_days)
        if start is not None and start < self.now - limit:
            add_error(
                self.starts_at,
                _l("The start may be at most %(days)d days in the past.", days=self.max_days),
            )
        if start is not None and end is not None:
            self._check_span(start, end, limit)
        if end is not None and end <= self.now:
            add_error(self.ends_at, _l("The end must be in the future."))

    def _check_span(self, start: datetime, end: datetime, limit: timedelta) -> None:
        if end <= start:
            add_error(self.ends_at, _l("The end must be after the start."))
        elif end - start > limit:
            add_error(
                self.ends_at,
                _l(
                    "A release may run at most %(days)d days after its start; renew it "
                    "later if needed.",
                    days=self.max_days,
                ),
            )


class RenewForm(FlaskForm):
    ends_at = _time_field(_l("New end"))

    def __init__(
        self, *args: Any, current_end: datetime, now: datetime, max_days: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.current_end = current_end
        self.now = now
        self.max_days = max_days

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        end = self.ends_at.data
        if end is not None:
            if end <= self.current_end:
                add_error(self.ends_at, _l("The new end must be later than the current end."))
            elif end > self.now + timedelta(days=self.max_days):
                add_error(
                    self.ends_at,
                    _l("A renewal may reach at most %(days)d days from now.", days=self.max_days),
                )
        return valid and not self.errors
