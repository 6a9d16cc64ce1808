"""Every message the import's parsers can give, as a code with parameters, translated when
shown: the page in the user's language, the command line in the shell's.

The parsers never format text themselves; they raise or report a Message, and whoever shows
it renders it through the catalog (roster/translations). Parameters hold the file's own
words (a cell, a header as written, a recognised header such as 宛名番号), never the
register's internal field names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import has_app_context
from flask_babel import lazy_gettext as _l

#: code -> the English text, marked for translation.
MESSAGES: dict[str, Any] = {
    # Reading the file.
    "old_excel": _l("Old Excel files (.xls) cannot be read: save the file as .xlsx or CSV."),
    "unknown_kind": _l('Cannot read "%(name)s": give a CSV (.csv, .tsv, .txt) or .xlsx file.'),
    "encoding_unreadable": _l(
        "The file's text encoding is not one we can read; tried UTF-8 (with or without BOM) "
        "and Shift_JIS (cp932)."
    ),
    "encoding_unknown": _l('Unknown text encoding "%(encoding)s".'),
    "encoding_invalid": _l("The file is not valid %(encoding)s (line %(line)s)."),
    "csv_malformed": _l("The CSV is malformed near line %(line)s."),
    "xlsx_unreadable": _l("The file is not a readable .xlsx workbook."),
    "empty_file": _l("The file is empty: it has no header row."),
    "header_blank": _l("The header row (row %(row)s) has no name in column %(letter)s."),
    "header_twice": _l(
        'The header row (row %(row)s) has "%(header)s" twice: columns %(first)s and %(second)s.'
    ),
    # Columns.
    "column_missing": _l(
        "The file has no column for %(column)s, which is required. Expected a header such as "
        "%(expected)s, or name the column in a mapping file."
    ),
    "mapped_column_missing": _l(
        'The mapping names column "%(header)s" for %(column)s, but the file has no such column.'
    ),
    "beyond_header": _l(
        "This row has a value in column %(letter)s, which has no header; a comma inside an "
        "unquoted value shifts the columns."
    ),
    # Values.
    "required_empty": _l("%(column)s is required but empty."),
    "too_long": _l("Too long: at most %(limit)s characters, this has %(length)s."),
    "resident_no_digits": _l('"%(value)s" is not a resident ID (宛名番号): use digits only.'),
    "resident_no_length": _l(
        "A resident ID (宛名番号) has at most 20 digits; this has %(length)s."
    ),
    "resident_no_repeated": _l("Resident ID %(value)s also appears on row %(first)s."),
    "kana": _l('"%(value)s" is not a reading: write it in kana only.'),
    "future_date": _l("%(value)s is in the future."),
    "before_1900": _l("Check the year: %(value)s is before 1900."),
    "postal_code": _l('"%(value)s" is not a postal code: write it as 123-4567.'),
    "phone": _l('"%(value)s" is not a phone number: it needs 10 or 11 digits starting with 0.'),
    "phone_number_cell": _l(
        '"%(value)s" is not a phone number: it needs 10 or 11 digits starting with 0. A number '
        "cell drops the leading 0: format the column as text."
    ),
    "phone_hyphens": _l('"%(value)s" has its hyphens in odd places; write e.g. 042-451-2345.'),
    "sex_unknown": _l(
        '"%(value)s" is not a known sex (性別); write 男, 女 or その他, or map the code in a '
        "mapping file."
    ),
    "care_level_unknown": _l(
        '"%(value)s" is not a known care level (要介護度); write 要支援1, 要支援2, 要介護1 to '
        "要介護5 or 非該当, or map the code in a mapping file."
    ),
    "household_unknown": _l(
        '"%(value)s" is not a known household (世帯); write 独居, 高齢者のみ or 同居, or map the '
        "code in a mapping file."
    ),
    "mobility_unknown": _l(
        '"%(value)s" is not a known mobility (移動); write 独歩, 杖・歩行器, 車椅子 or 寝たきり, '
        "or map the code in a mapping file."
    ),
    # Districts.
    "district_unknown": _l('No district is named "%(value)s".'),
    "district_unmatched": _l(
        "No district matches the start of this address (after the city); add a district "
        "column or correct the address."
    ),
    # Dates.
    "date_none": _l("No date given."),
    "date_not_a_date": _l(
        '"%(value)s" is not a date; write it as e.g. 1940-03-02, 昭和15年3月2日 or S15.3.2.'
    ),
    "date_unreadable": _l(
        '"%(value)s" is not a date we can read; write it as e.g. 1940-03-02, 昭和15年3月2日 or '
        "S15.3.2."
    ),
    "era_year_zero": _l('"%(value)s": there is no year 0 of %(era)s; the first year is 元年.'),
    "era_before": _l('"%(value)s" is before %(era)s began on %(day)s.'),
    "era_after": _l('"%(value)s" is after %(era)s ended on %(day)s.'),
    "no_year": _l('"%(value)s": there is no year %(year)s.'),
    "no_month": _l('"%(value)s": there is no month %(month)s.'),
    "no_day": _l('"%(value)s": %(year)s-%(month)s has days 1 to %(days)s, not %(day)s.'),
}


@dataclass(frozen=True, slots=True)
class Message:
    """A message code and its parameters; str() renders it in the current language."""

    code: str
    params: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, code: str, **params: object) -> Message:
        if code not in MESSAGES:
            raise KeyError(code)
        return cls(code, tuple(params.items()))

    def __str__(self) -> str:
        text = MESSAGES[self.code]
        # Outside the app (a library call, a unit test) the English text is all there is.
        template = str(text) if has_app_context() else text._args[0]
        return str(template % dict(self.params))


class MessageError(ValueError):
    """An error whose text is a Message, rendered when shown."""

    def __init__(self, code: str, **params: object) -> None:
        self.message = Message.of(code, **params)
        super().__init__(code)

    def __str__(self) -> str:
        return str(self.message)
