"""The groups a welfare shelter takes (受入対象者), normalised from free text.

Municipalities write 受入対象者 in their own words: 「妊婦、乳幼児・保護者」, 「妊産婦及び乳幼児等の
要配慮者」, 「障害者、高齢者等」, 「妊婦、車いす来園者」. Assignment must match people to these
places by group, and a wrong match is harmful (a wheelchair user sent to a nursery that takes
only 妊婦・乳幼児), so the text is reduced to a few fixed groups by keywords, and text with
no known keyword gives no group at all: the caller keeps the raw text for staff to read.

The general words for people who need care (要配慮者, 要援護者, 災害時要援護者), written on
their own as in 「要配慮者及びその支援者」, name every group. Beside a group's keyword they only
sum up the text's people: 「妊産婦及び乳幼児等の要配慮者」 takes pregnant women and infants.
"""

from __future__ import annotations

import unicodedata

#: The groups, in display order. roster keeps them comma-separated on each shelter.
ACCEPT_GROUPS = ("elderly", "disabled", "pregnant_infant", "medical_care")

#: Keywords of each group, matched in the NFKC text without spaces.
GROUP_KEYWORDS: dict[str, tuple[str, ...]] = {
    "elderly": ("高齢", "要介護", "老人"),
    "disabled": (
        "障害",
        "障がい",
        "障碍",
        "車いす",
        "車椅子",
        "車イス",
        "身体障",
        "知的障",
        "精神障",
    ),
    "pregnant_infant": ("妊婦", "妊産婦", "乳幼児", "乳児", "幼児", "母子", "産婦"),
    # 重度要配慮者: people who need constant care or medical devices. A plain 要配慮者 (as in
    # 「妊産婦及び乳幼児等の要配慮者」) names the whole text's people, not a group of its own.
    "medical_care": ("重度要配慮", "医療的ケア", "医療ケア", "人工呼吸器", "難病"),
}

#: Words for everyone who needs care (災害対策基本法 第8条 要配慮者, and the older 要援護者).
EVERY_GROUP_KEYWORDS = ("要配慮者", "要援護者")


def normalise_accepts(text: str | None) -> list[str]:
    """The ACCEPT_GROUPS a 受入対象者 text names, in ACCEPT_GROUPS order, each once.

    >>> normalise_accepts("障害者、高齢者等")
    ['elderly', 'disabled']
    >>> normalise_accepts("妊婦、車いす来園者")
    ['disabled', 'pregnant_infant']
    >>> normalise_accepts("要配慮者及びその支援者")
    ['elderly', 'disabled', 'pregnant_infant', 'medical_care']
    >>> normalise_accepts("どなたでも")
    []
    """
    if not text:
        return []
    compact = "".join(unicodedata.normalize("NFKC", text).split())
    groups = _keyword_groups(compact)
    if not groups and any(keyword in compact for keyword in EVERY_GROUP_KEYWORDS):
        return list(ACCEPT_GROUPS)
    return groups


def _keyword_groups(compact: str) -> list[str]:
    """The ACCEPT_GROUPS with a keyword in the compact text, in ACCEPT_GROUPS order."""
    return [
        group
        for group in ACCEPT_GROUPS
        if any(keyword in compact for keyword in GROUP_KEYWORDS[group])
    ]
