"""避難支援等を必要とする事由: categories from free text, by keyword.

One table of keyword rules serves the eligibility import (a 事由 column in a resident-system
export is text) and, copied as a frozen table, the migration that gave the register its
categories. Text is compared after NFKC, so full-width and half-width forms match alike.

Decisions a municipal form would make the same way:
- 認知症 is 高齢・要介護, as municipal registers file it (it is rarely certified as 精神障害);
  a text that also says 精神 gets 精神障害 as well.
- 視覚・聴覚障害 are 身体障害, as under 身体障害者福祉法; 愛の手帳 is Tokyo's 療育手帳.
- 発達障害 and 高次脳機能障害 are 精神障害, as their certificate (精神障害者保健福祉手帳) is.
- The import's earlier texts carried the care level's code (care_3, support_1): those count
  as 高齢・要介護 too.
- Nothing matched: その他. Nobody is ever left without a category (49-10 requires the item).
"""

from __future__ import annotations

import unicodedata

from .models import REASON_FIELDS, SupportReason

#: Category -> keywords, any of which in the text sets the category.
KEYWORDS: dict[SupportReason, tuple[str, ...]] = {
    SupportReason.ELDERLY_CARE: (
        "要介護", "介護度", "要支援1", "要支援2", "高齢", "独居", "認知症", "care_", "support_",
    ),
    SupportReason.PHYSICAL: (
        "身体", "肢体", "車椅子", "車いす", "車イス", "視覚", "聴覚", "難聴", "白杖", "手話",
        "麻痺", "まひ",
    ),
    SupportReason.INTELLECTUAL: ("療育", "知的", "愛の手帳"),
    SupportReason.MENTAL: ("精神", "統合失調", "うつ病", "発達障害", "高次脳機能"),
    SupportReason.MEDICAL_CARE: (
        "人工呼吸器", "呼吸器", "透析", "酸素", "難病", "医療的ケア", "吸引", "胃ろう", "経管",
        "インスリン", "ストーマ", "人工肛門", "ペースメーカー",
    ),
    SupportReason.INFANT_PREGNANT: ("乳幼児", "乳児", "幼児", "妊産婦", "妊婦", "妊娠", "出産"),
    SupportReason.FOREIGN: ("外国", "日本語"),
}


def categorise(text: str | None) -> list[SupportReason]:
    """The categories the text names, in SupportReason's order; [その他] when none."""
    normal = unicodedata.normalize("NFKC", text or "")
    found = [c for c, words in KEYWORDS.items() if any(w in normal for w in words)]
    return sorted(found, key=list(SupportReason).index) or [SupportReason.OTHER]


def reason_columns(categories: list[SupportReason] | set[SupportReason]) -> dict[str, bool]:
    """Every category column, set for the given categories and cleared for the others."""
    chosen = {f"reason_{c.value}" for c in categories}
    return {name: name in chosen for name in REASON_FIELDS}


def categories_of(registrant: object) -> list[SupportReason]:
    """A registrant's (or row's) categories, in SupportReason's order."""
    return [r for r in SupportReason if getattr(registrant, f"reason_{r.value}", False)]
