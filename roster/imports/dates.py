"""Dates as source systems write them: Western or Japanese era (和暦), in their many spellings.

Everything accepted here names exactly one day. Anything else is a DateError holding a message
code (roster.imports.messages) that the import shows translated, so a wrong date is fixed at
the source, never guessed.
"""

from __future__ import annotations

from datetime import date, datetime

from .. import eras
from .messages import MessageError


class DateError(MessageError):
    """A value that is not a real date; its message says what is wrong."""


def parse_date(text: str) -> date:
    """The day a text names (roster.eras.parse_date), or a DateError with its message."""
    try:
        return eras.parse_date(text)
    except eras.DateTextError as error:
        raise DateError(error.code, **error.params) from None


def to_date(value: object) -> date:
    """parse_date for a cell of any kind: Excel date cells are taken as they are, and a number
    such as 19400302 is read as its digits. Raises DateError for anything else."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):  # bool is an int, but True is no date
        raise DateError("date_not_a_date", value=str(value))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int | str):
        return parse_date(str(value))
    if value is None:
        raise DateError("date_none")
    raise DateError("date_not_a_date", value=str(value))
