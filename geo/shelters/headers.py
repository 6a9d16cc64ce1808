"""The formats' published column names, and each header's canonical name whatever its width
or spacing."""

from __future__ import annotations

import unicodedata
from typing import Any

from ..gsi import HAZARD_COLUMNS

#: The Digital Agency's 指定緊急避難場所一覧 columns, in the published order.
JP_STANDARD_COLUMNS = (
    "全国地方公共団体コード",
    "ID",
    "名称",
    "名称_カナ",
    "名称_英字",
    "所在地_全国地方公共団体コード",
    "町字ID",
    "所在地_連結表記",
    "所在地_都道府県",
    "所在地_市区町村",
    "所在地_町字",
    "所在地_番地以下",
    "建物名等(方書)",
    "緯度",
    "経度",
    "標高",
    "電話番号",
    "内線番号",
    "連絡先メールアドレス",
    "連絡先FormURL",
    "連絡先備考（その他、SNSなど）",
    "郵便番号",
    "市区町村コード",
    "地方公共団体名",
    *(f"災害種別_{column}" for column in HAZARD_COLUMNS.values()),
    "指定避難所との重複",
    "想定収容人数",
    "対象となる町会・自治会",
    "URL",
    "画像",
    "画像_ライセンス",
    "備考",
)

#: Columns only GSI's list of 指定避難所 has (its list of 指定緊急避難場所 has the hazards).
GSI_EVACUATION_ONLY = (
    "受入対象者",
    "指定緊急避難場所との住所同一",
    "その他市町村長が必要と認める事項",
)

_GSI_COLUMNS = (
    "NO",
    "共通ID",
    "都道府県名及び市町村名",
    "施設・場所名",
    "住所",
    *HAZARD_COLUMNS.values(),
    *GSI_EVACUATION_ONLY,
    "指定避難所との住所同一",
    "備考",
)


def key(text: str) -> str:
    """A header as compared: NFKC, without any spacing."""
    return "".join(unicodedata.normalize("NFKC", text).split())


_KNOWN = {key(name): name for name in (*JP_STANDARD_COLUMNS, *_GSI_COLUMNS)}


def canonical(header: Any) -> str:
    """A known column's published name whatever its width or spacing; others trimmed."""
    text = str(header).strip()
    return _KNOWN.get(key(text), text)


def gsi_kind(columns: list[str]) -> bool | None:
    """True for a 指定緊急避難場所 file, False for 指定避難所, None for neither."""
    if any(column in columns for column in HAZARD_COLUMNS.values()):
        return True
    if any(column in columns for column in GSI_EVACUATION_ONLY):
        return False
    return None
