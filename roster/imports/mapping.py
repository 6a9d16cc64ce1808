"""Which source column feeds which register field, and how a source system writes its codes.

Every municipality's export names its columns differently. DEFAULT_HEADERS knows the usual
Japanese names, so a typical file imports as it is; a mapping file (TOML, see
roster/data/import-mapping.sample.toml) names the others and says what codes such as 性別 "1" mean.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from ..models.registrants import CareLevel, Household, Mobility, Sex
from ..text import nfkc
from .messages import Message

#: Fields an import compares and updates on people already on the register.
SOURCE_FIELDS = (
    "name",
    "name_kana",
    "birth_date",
    "sex",
    "address",
    "postal_code",
    "phone",
    "mobile_phone",
    "care_level",
    "disability_certificate",
)


#: Every field a source column can feed, in the order reports list them.
TARGET_FIELDS: tuple[str, ...] = (
    "resident_no",
    *SOURCE_FIELDS,
    "support_reason",
    "district",
    "household",
    "mobility",
)

#: Fields every imported person must have.
REQUIRED_FIELDS: frozenset[str] = frozenset(
    {"resident_no", "name", "name_kana", "birth_date", "sex", "address"}
)

#: The Japanese label of each field, for messages a municipal user reads.
FIELD_LABELS: dict[str, str] = {
    "resident_no": "宛名番号",
    "name": "氏名",
    "name_kana": "ふりがな",
    "birth_date": "生年月日",
    "sex": "性別",
    "address": "住所",
    "postal_code": "郵便番号",
    "phone": "電話番号",
    "mobile_phone": "携帯電話",
    "care_level": "要介護度",
    "disability_certificate": "障害者手帳",
    "support_reason": "避難支援を要する事由",
    "district": "地区",
    "household": "世帯",
    "mobility": "移動",
}

#: Fields whose values are codes, and the enum each becomes. Only these take value maps.
CODED_FIELDS: dict[str, type[StrEnum]] = {
    "sex": Sex,
    "care_level": CareLevel,
    "household": Household,
    "mobility": Mobility,
}

#: Headers recognised without a mapping file, the most specific first. The field's own
#: name (e.g. "resident_no") is recognised too.
DEFAULT_HEADERS: dict[str, tuple[str, ...]] = {
    "resident_no": ("宛名番号", "住民番号", "個人番号(内部)", "宛名コード"),
    "name": ("氏名", "名前", "漢字氏名"),
    "name_kana": ("氏名カナ", "フリガナ", "ふりがな", "カナ氏名", "氏名(カナ)"),
    "birth_date": ("生年月日",),
    "sex": ("性別",),
    "address": ("住所", "現住所", "住所1", "住所又は居所"),
    "postal_code": ("郵便番号",),
    "phone": ("電話番号", "電話", "自宅電話", "自宅電話番号"),
    "mobile_phone": ("携帯電話", "携帯番号", "携帯電話番号"),
    "care_level": ("要介護度", "介護度", "要介護状態区分"),
    "disability_certificate": ("障害者手帳", "手帳", "障害者手帳等級"),
    "support_reason": ("避難支援を要する事由", "支援理由", "事由"),
    "district": ("地区", "町丁目", "行政区"),
    "household": ("世帯", "世帯状況"),
    "mobility": ("移動", "歩行", "歩行状況", "移動状況"),
}

_SPACES = re.compile(r"\s+")


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names what is wrong."""


def match_key(text: str) -> str:
    """A header or code as compared: NFKC, without whitespace, case folded.

    So 氏名（カナ）, 氏名(カナ) and "氏名 (カナ)" are one header, and "M" and "ｍ" one code.
    """
    return _SPACES.sub("", nfkc(text)).casefold()


@dataclass(frozen=True)
class Columns:
    """Where each field is found in one file's header row."""

    #: Field -> (0-based column index, header as written in the file).
    found: dict[str, tuple[int, str]]
    #: (the field's recognised header, message) for each column that is required or named
    #: by the mapping but absent.
    problems: list[tuple[str, Message]]


@dataclass(frozen=True)
class Mapping:
    """Source headers for fields (beyond DEFAULT_HEADERS) and source codes for coded fields."""

    #: Field -> the source header that feeds it. Overrides DEFAULT_HEADERS for that field.
    columns: dict[str, str] = field(default_factory=dict)
    #: Coded field -> {match_key(source value) -> enum value}, tried before the built-in codes.
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def resolve(self, headers: Sequence[str]) -> Columns:
        """Find each field's column: the mapping's header first, then the default ones.

        A column is used for one field only, so a mapping that claims 住所1 for district
        leaves address to look for 住所 or 現住所.
        """
        index = {match_key(header): i for i, header in enumerate(headers)}
        columns = self._mapped(headers, index)
        self._find_defaults(headers, index, columns)
        return columns

    def _mapped(self, headers: Sequence[str], index: dict[str, int]) -> Columns:
        """The columns the mapping names, and a problem for each the file lacks."""
        found: dict[str, tuple[int, str]] = {}
        problems: list[tuple[str, Message]] = []
        for target, header in self.columns.items():
            if (i := index.get(match_key(header))) is None:
                column = header_name(target)
                message = Message.of("mapped_column_missing", header=header, column=column)
                problems.append((column, message))
            else:
                found[target] = (i, headers[i])
        return Columns(found, problems)

    def _find_defaults(
        self, headers: Sequence[str], index: dict[str, int], columns: Columns
    ) -> None:
        """Add each field the mapping does not name at the first of its recognised headers
        that no other field uses; a required field without one is a problem."""
        claimed = {i for i, _ in columns.found.values()}
        for target in TARGET_FIELDS:
            if target in columns.found or target in self.columns:
                continue
            i = _first_free(target, index, claimed)
            if i is not None:
                columns.found[target] = (i, headers[i])
                claimed.add(i)
            elif target in REQUIRED_FIELDS:
                columns.problems.append((header_name(target), _missing_column(target)))


def _first_free(target: str, index: dict[str, int], claimed: set[int]) -> int | None:
    """The column of the field's first recognised header (or its own name) not claimed yet."""
    for alias in (*DEFAULT_HEADERS[target], target):
        i = index.get(match_key(alias))
        if i is not None and i not in claimed:
            return i
    return None


def header_name(target: str) -> str:
    """The header a municipality's file uses for a field, the first recognised one."""
    return DEFAULT_HEADERS[target][0]


def _missing_column(target: str) -> Message:
    return Message.of(
        "column_missing",
        column=header_name(target),
        expected="、".join(DEFAULT_HEADERS[target]),
    )


def load_mapping(path: str | Path) -> Mapping:
    """Read a TOML mapping file: [columns] field = "source header", [values.<field>] code = value.

    Raises MappingError naming unknown fields, sections or values.
    """
    try:
        with open(path, "rb") as file:
            data = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise MappingError(f"The mapping file is not valid TOML: {error}.") from error
    unknown = sorted(set(data) - {"columns", "values"})
    if unknown:
        raise MappingError(
            f"Unknown section(s) in the mapping file: {', '.join(unknown)}. "
            "Use [columns] and [values.<field>]."
        )
    return Mapping(
        columns=_columns(data.get("columns", {})),
        values=_values(data.get("values", {})),
    )


def _columns(section: object) -> dict[str, str]:
    if not isinstance(section, dict):
        raise MappingError('[columns] must be a table of field = "source header".')
    _check_fields(section, TARGET_FIELDS, "[columns]")
    bad = [name for name, header in section.items() if not isinstance(header, str) or not header]
    if bad:
        raise MappingError(f"Give a source header as text for: {', '.join(bad)}.")
    seen: dict[str, str] = {}
    for target, header in section.items():
        if (other := seen.setdefault(match_key(header), target)) != target:
            raise MappingError(f'Column "{header}" is named for both {other} and {target}.')
    return dict(section)


def _values(section: object) -> dict[str, dict[str, str]]:
    if not isinstance(section, dict):
        raise MappingError("[values] must hold tables such as [values.sex].")
    _check_fields(section, tuple(CODED_FIELDS), "[values]")
    return {target: _codes(target, codes) for target, codes in section.items()}


def _codes(target: str, codes: object) -> dict[str, str]:
    if not isinstance(codes, dict):
        raise MappingError(f'[values.{target}] must be a table of "source code" = "value".')
    allowed = {member.value for member in CODED_FIELDS[target]}
    bad = [f"{code} = {value!r}" for code, value in codes.items() if value not in allowed]
    if bad:
        raise MappingError(
            f"[values.{target}] has values that are not one of "
            f"{', '.join(sorted(allowed))}: {'; '.join(bad)}."
        )
    return {match_key(code): value for code, value in codes.items()}


def _check_fields(section: dict[str, object], allowed: Sequence[str], where: str) -> None:
    unknown = [name for name in section if name not in allowed]
    if unknown:
        raise MappingError(
            f"Unknown field(s) in {where}: {', '.join(unknown)}. "
            f"Known fields: {', '.join(allowed)}."
        )
