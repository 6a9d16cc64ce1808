"""Partner organisations (避難支援等関係者). Agreements are in models/agreements.py."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column
from .municipality import District


class PartnerCategory(enum.StrEnum):
    """The kinds of 避難支援等関係者. Consent scopes name the first six."""

    MINSEI_IIN = "minsei_iin"  #: 民生委員・児童委員
    JICHIKAI = "jichikai"  #: 自治会・町会
    JISHU_BOSAI = "jishu_bosai"  #: 自主防災組織
    SHAKYO = "shakyo"  #: 社会福祉協議会
    FIRE = "fire"  #: 消防
    POLICE = "police"  #: 警察
    WELFARE_PROVIDER = "welfare_provider"  #: 福祉事業所
    OTHER = "other"  #: その他


#: The categories a consent may name in its scope, in the order forms show them.
CONSENT_SCOPE_CATEGORIES = (
    PartnerCategory.MINSEI_IIN,
    PartnerCategory.JICHIKAI,
    PartnerCategory.JISHU_BOSAI,
    PartnerCategory.SHAKYO,
    PartnerCategory.FIRE,
    PartnerCategory.POLICE,
)

#: Each scope category's bit in Registrant.consent_scope.
SCOPE_BITS = {category: 1 << i for i, category in enumerate(CONSENT_SCOPE_CATEGORIES)}


def scope_mask(categories: Iterable[PartnerCategory]) -> int:
    """The categories as the bitmask cached on the registrant."""
    return sum(SCOPE_BITS.get(c, 0) for c in set(categories))


organisation_districts = Table(
    "organisation_districts",
    Base.metadata,
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True),
)


class Organisation(Base):
    """A partner organisation whose users may see the people they are entitled to."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Name as written, e.g. 西東京市民生委員協議会 第1地区.
    name: Mapped[str] = mapped_column(String(120), unique=True)
    #: What kind of partner this is; consent scopes are matched against it.
    category: Mapped[PartnerCategory] = mapped_column(enum_column(PartnerCategory))
    #: The contact person and how to reach the organisation.
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_email: Mapped[str] = mapped_column(String(120), default="")
    contact_address: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    #: The districts the organisation serves; what its users see is set by its agreement.
    districts: Mapped[list[District]] = relationship(
        secondary=organisation_districts, order_by=District.code
    )
    #: Bumped on every save; an edit form built on an older version is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Organisation {self.name} ({self.category})>"
