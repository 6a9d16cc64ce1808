"""Values for spreadsheets (CSV and XLSX) that a spreadsheet cannot mistake for a formula.

A cell whose text starts with = + - @ (or a tab, carriage return or line feed, which some
spreadsheets skip before reading a formula) runs as a formula when the file is opened: a
name typed as =HYPERLINK("http://…", "click") becomes a link that sends data away
(CSV/formula injection, OWASP). Every text cell of every export goes through
spreadsheet_safe, which puts a single quote in front of such text so it stays text.
"""

from __future__ import annotations

from typing import Any

#: First characters that make a spreadsheet read a cell as a formula or a command. The
#: full-width forms are included because Japanese input methods produce them and some
#: spreadsheets normalise them on import.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def spreadsheet_safe(value: Any) -> str:
    """The value as text, with a leading ' if the text could start a formula; None is ''."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
