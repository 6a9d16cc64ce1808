"""What forms do with text: the filters for what was typed, and keeping what was not.

Typed text is tidied by the filter its field names, and each filter does only what the field
needs (roster.text says which normalisation a name, an address or a number gets). A field
the user did not touch is not typed text at all: what comes back is what the form showed,
and keep_untouched() puts the stored value back, byte for byte, so that saving a form never
rewrites a value nobody changed and the audit trail names only fields that really changed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from flask import g
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField as _WTFormsDateField
from wtforms import Field, FieldList, Form, FormField, HiddenField, PasswordField, StringField
from wtforms.form import BaseForm
from wtforms.widgets import TextInput

from .eras import ERAS, INITIALS, DateTextError, parse_date
from .phones import format_phone
from .text import address_text, code_text, line_text, lines_text, reading_text

#: Marks a field whose posted value is what the form showed (see untouched()).
_KEPT = "_kept_as_stored"
_LINE_BREAKS = re.compile(r"\r\n?")


def strip(value: str | None) -> str | None:
    """One line of words (a name, a title, a note): whitespace tidied, nothing else."""
    return line_text(value) if isinstance(value, str) else value


def lines(value: str | None) -> str | None:
    """Several lines of words: each line tidied, the line breaks kept, blank ends dropped."""
    return lines_text(value) if isinstance(value, str) else value


def listed(value: str | None) -> str | None:
    """One entry per line (named viewers): each line tidied, blank lines dropped."""
    if not isinstance(value, str):
        return value
    return "\n".join(line for line in (lines_text(value) or "").split("\n") if line)


def code(value: str | None) -> str | None:
    """A number or code (phone, postal code, resident ID, email): half-width throughout."""
    return code_text(value) if isinstance(value, str) else value


def grouped_phone(value: str | None) -> str | None:
    """A phone number: half-width, grouped by its area code when typed as digits alone
    (roster.phones, which the import uses too)."""
    return format_phone(value) if isinstance(value, str) else value


def address(value: str | None) -> str | None:
    """An address: half-width digits and hyphens in the numbers, the words as written."""
    return address_text(value) if isinstance(value, str) else value


def katakana(value: str | None) -> str | None:
    """A reading: full-width katakana (hiragana and half-width kana converted)."""
    return reading_text(value) if isinstance(value, str) else value


def untouched(field: Field) -> bool:
    """True when keep_untouched() found the field as the form showed it."""
    return bool(getattr(field, _KEPT, False))


def validate_edit(form: FlaskForm, shown: object) -> bool:
    """validate_on_submit(), then keep_untouched(): checks see the tidied values (so a stored
    value in another width passes as it did), while the save and a page shown again after an
    error get the stored value of every field the user did not touch."""
    ok = bool(form.validate_on_submit())
    if form.is_submitted() and shown is not None:
        keep_untouched(form, shown)
    return ok


def keep_untouched(form: BaseForm | Form, shown: object) -> None:
    """Give every text field whose posted value is what the form showed its stored value.

    `shown` is what the form was filled from: the stored object or a mapping of field names,
    with lists for FieldList rows. Fields it does not hold were not shown and are left alone.
    """
    for field in form:
        value = _lookup(shown, field.short_name)
        if value is _MISSING:
            continue
        if isinstance(field, FieldList):
            rows = list(value) if isinstance(value, Sequence) and not isinstance(value, str) else []
            for i, entry in enumerate(field.entries):
                _keep_field(entry, rows[i] if i < len(rows) else None)
        else:
            _keep_field(field, value)


_MISSING = object()


def _lookup(shown: object, name: str) -> Any:
    if shown is None:
        return None
    if isinstance(shown, Mapping):
        return shown.get(name, _MISSING)
    return getattr(shown, name, _MISSING)


def _keep_field(field: Field, stored: Any) -> None:
    if isinstance(field, FormField):
        keep_untouched(field.form, stored)
    elif _is_text(field) and field.raw_data and _same_as_shown(field, stored):
        field.data = stored
        setattr(field, _KEPT, True)


def _is_text(field: Field) -> bool:
    # A hidden field carries the version and a password is never shown: neither is kept.
    return isinstance(field, StringField) and not isinstance(field, HiddenField | PasswordField)


def _same_as_shown(field: Field, stored: Any) -> bool:
    """A form filled from the record (obj=, data=) shows the stored value through the field's
    filters, one filled by hand shows it as it is: either, sent back, is untouched."""
    if stored is not None and not isinstance(stored, str):
        return False
    raw = str(field.raw_data[0])
    return any(_sent_as(field, raw, shown) for shown in (stored or "", _filtered(field, stored)))


def _filtered(field: Field, stored: str | None) -> str:
    value: Any = stored
    for tidy in field.filters:
        value = tidy(value)
    return value if isinstance(value, str) else ""


def _sent_as(field: Field, raw: str, shown: str) -> bool:
    """Browsers send a text area's line breaks as CRLF and drop line breaks from an input."""
    if field.widget.__class__.__name__ == "TextArea":
        return _LINE_BREAKS.sub("\n", raw) == _LINE_BREAKS.sub("\n", shown)
    return raw == shown.replace("\r", "").replace("\n", "")


NOT_A_DATE = _l(
    "Type the date as 2026-04-01, or as on paper: 令和8年4月1日, R8.4.1, 昭和15年3月2日."
)
OUTSIDE_ERA = _l("That day is not in the era typed. Check the era and the year.")


class DateField(_WTFormsDateField):
    """A date typed in 西暦 or 和暦 (roster.eras.parse_date), in a text box.

    A text box and not the browser's date picker, because people are written down in 和暦 on
    paper; static/forms.js shows the 和暦 beside the 西暦 as one types, and without it the
    server reads the same text."""

    widget = TextInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        render_kw = {
            "inputmode": "text",
            "autocomplete": "off",
            "placeholder": "2026-04-01 / R8.4.1",
            "data-eras": era_table(),
            "maxlength": 20,
            **(kwargs.pop("render_kw", None) or {}),
        }
        super().__init__(*args, render_kw=render_kw, **kwargs)

    def __call__(self, **kwargs: Any) -> Any:
        # The page that shows a date box loads static/forms.js (templates/base.html).
        g.forms_script = True
        return super().__call__(**kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = parse_date(str(valuelist[0]))
        except DateTextError as error:
            self.data = None
            outside = error.code in ("era_before", "era_after", "era_year_zero")
            raise ValueError(OUTSIDE_ERA if outside else NOT_A_DATE) from None


def era_table() -> str:
    """The era table for static/forms.js: name, initial, first day, newest first."""
    initial = {name: letter for letter, name in INITIALS.items()}
    return ";".join(f"{name},{initial[name]},{start.isoformat()}" for name, _r, start in ERAS)
