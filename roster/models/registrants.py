"""Registrants (避難行動要支援者) and their emergency contacts."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UnaryExpression,
    false,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, enum_column, search_key_type, utcnow
from .consent import ConsentRecord, ConsentState
from .municipality import District


class Sex(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"


class Household(enum.StrEnum):
    ALONE = "alone"  #: 独居
    ELDERLY_ONLY = "elderly_only"  #: 高齢者のみ世帯
    WITH_OTHERS = "with_others"  #: 同居
    UNKNOWN = "unknown"  #: 未確認: imported from the source systems, not yet asked


class LocationPrecision(enum.StrEnum):
    """Where a person's coordinates come from, finest first."""

    HOUSE = "house"  #: 住居: the house's own point (住居表示 位置参照)
    BLOCK = "block"  #: 街区: the block's point (街区レベル位置参照)
    CHOME = "chome"  #: 町丁目: the point of the 丁目
    DISTRICT = "district"  #: 地区: the district's point, when the address matched nothing
    MANUAL = "manual"  #: 手動: set by staff on the map; geocoding never overwrites it

    @property
    def approximate(self) -> bool:
        """A 町丁目 or district point stands for many homes: drawn and flagged as approximate."""
        return self in (LocationPrecision.CHOME, LocationPrecision.DISTRICT)


class Mobility(enum.StrEnum):
    INDEPENDENT = "independent"  #: 独歩
    CANE_WALKER = "cane_walker"  #: 杖・歩行器
    WHEELCHAIR = "wheelchair"  #: 車椅子
    BEDRIDDEN = "bedridden"  #: 寝たきり
    UNKNOWN = "unknown"  #: 未確認: imported from the source systems, not yet asked


class CareLevel(enum.StrEnum):
    NONE = "none"  #: 非該当・未申請
    SUPPORT_1 = "support_1"  #: 要支援1
    SUPPORT_2 = "support_2"  #: 要支援2
    CARE_1 = "care_1"  #: 要介護1
    CARE_2 = "care_2"
    CARE_3 = "care_3"
    CARE_4 = "care_4"
    CARE_5 = "care_5"  #: 要介護5


class RegistrantStatus(enum.StrEnum):
    ACTIVE = "active"  #: 在籍
    MOVED_OUT = "moved_out"  #: 転出
    DECEASED = "deceased"  #: 死亡
    INSTITUTIONALISED = "institutionalised"  #: 施設入所


class Source(enum.StrEnum):
    ELIGIBLE_LIST = "eligible_list"  #: 名簿対象者 from the source systems
    SELF_APPLIED = "self_applied"  #: 手上げ
    RECOMMENDED = "recommended"  #: 関係者推薦


class FormLanguage(enum.StrEnum):
    """The language of the papers a person is sent (the consent form), as they prefer."""

    JA = "ja"
    JA_EASY = "ja-easy"
    EN = "en"


class SupportReason(enum.StrEnum):
    """避難支援等を必要とする事由, as categories: the legal item of 49-10 that partners get.

    The details behind a category (diagnoses, devices, certificates) are 要配慮個人情報 and
    live in Registrant.support_reason_detail, shared only under a medical field group.
    """

    ELDERLY_CARE = "elderly_care"  #: 高齢・要介護 (認知症 included, as municipal forms do)
    PHYSICAL = "physical"  #: 身体障害 (視覚・聴覚 included)
    INTELLECTUAL = "intellectual"  #: 知的障害
    MENTAL = "mental"  #: 精神障害
    MEDICAL_CARE = "medical_care"  #: 難病・医療的ケア
    INFANT_PREGNANT = "infant_pregnant"  #: 乳幼児・妊産婦
    FOREIGN = "foreign"  #: 外国人
    OTHER = "other"  #: その他


#: Boolean category columns, in SupportReason's order: one indexed column per category, so
#: a list filtered by category reads an index on SQLite and PostgreSQL alike.
REASON_FIELDS = tuple(f"reason_{r.value}" for r in SupportReason)

#: Boolean need columns, in the order forms and filters show them.
DEVICE_FIELDS = ("device_ventilator", "device_oxygen", "device_suction", "device_dialysis")
COMMUNICATION_FIELDS = ("comm_hearing", "comm_visual", "comm_language", "comm_cognitive")


#: The queue's order, highest score first, as an index column.
_SCORE_DESC: UnaryExpression[int] = literal_column("priority_score").desc()


#: The family name alone (the name without its given name) and its reading, as SQL: a search
#: compares them whole (roster.registrants.ranked), from an index on the same expression.
FAMILY_SQL = "substr(name_key, 1, abs(length(name_key) - length(given_key)))"
FAMILY_KANA_SQL = "substr(kana_key, 1, abs(length(kana_key) - length(given_kana_key)))"

#: The search indexes: name -> the key, the status and the reading (Registrant.__table_args__).
SEARCH_INDEXES: tuple[tuple[str, tuple[Any, ...]], ...] = (
    ("ix_registrants_name_search", ("name_key", "status", "kana_key")),
    ("ix_registrants_address_search", ("address_key", "status", "kana_key")),
    ("ix_registrants_resident_no_search", ("resident_no", "status", "kana_key")),
    ("ix_registrants_given_search", ("given_key", "status", "kana_key")),
    ("ix_registrants_kana_search", ("kana_key", "status")),
    ("ix_registrants_given_kana_search", ("given_kana_key", "status", "kana_key")),
    ("ix_registrants_phone_search", ("phone_key", "status", "kana_key")),
    ("ix_registrants_mobile_search", ("mobile_key", "status", "kana_key")),
    ("ix_registrants_family_search", (text(FAMILY_SQL), "status", "kana_key")),
    ("ix_registrants_family_kana_search", (text(FAMILY_KANA_SQL), "status", "kana_key")),
)


class Registrant(Base):
    """One person on the register. The first block is the legal items of 49-10."""

    __tablename__ = "registrants"
    # Composite indexes let the list's counts and pages come from the index alone at 200,000
    # people: each starts with a filter the UI offers and carries the status it always checks.
    __table_args__ = (
        Index("ix_registrants_district_kana", "district_id", "kana_key"),
        Index("ix_registrants_status_kana", "status", "kana_key"),
        # Search: the key, the status, and the reading the results are sorted by; the
        # family name (and its reading) alone as roster.registrants.ranked compares it. On
        # PostgreSQL each carries the ID, so a search reads no table row before its page.
        *(Index(name, *columns, postgresql_include=["id"]) for name, columns in SEARCH_INDEXES),
        # Filters: the filtered column, consent and status, then what sorting and the partner
        # rule read, so neither needs the table row.
        Index("ix_registrants_status", "status"),
        Index(
            "ix_registrants_consent_district",
            "consent_state",
            "district_id",
            "status",
            "consent_scope",
            "kana_key",
        ),
        Index("ix_registrants_mobility_consent", "mobility", "consent_state", "status", "kana_key"),
        Index(
            "ix_registrants_household_consent", "household", "consent_state", "status", "kana_key"
        ),
        # The plan queue walks the people in it by stored score (roster.priority.stored).
        Index("ix_registrants_queue", "in_queue", _SCORE_DESC, "id"),
        Index("ix_registrants_queue_district", "in_queue", "district_id", _SCORE_DESC, "id"),
        # The map reads the active people in a view: a range on latitude, then longitude.
        Index("ix_registrants_map", "status", "latitude", "longitude"),
        # 49-10 requires the reason: every person has at least one category.
        CheckConstraint(" OR ".join(REASON_FIELDS), name="support_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 宛名番号: the person's ID in the municipality's resident systems.
    resident_no: Mapped[str] = mapped_column(String(20), unique=True)
    #: 氏名, family name first, as written.
    name: Mapped[str] = mapped_column(String(100))
    #: ふりがな in full-width katakana, family and given name separated by a space.
    name_kana: Mapped[str] = mapped_column(String(100))
    #: 生年月日.
    birth_date: Mapped[date] = mapped_column(Date, index=True)
    #: 性別.
    sex: Mapped[Sex] = mapped_column(enum_column(Sex))
    #: 住所又は居所, in full, including the municipality.
    address: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(8))
    #: 電話番号その他の連絡先.
    phone: Mapped[str | None] = mapped_column(String(20))
    mobile_phone: Mapped[str | None] = mapped_column(String(20))
    fax: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(120))
    #: The language of the consent form the person is sent; a round follows it.
    preferred_language: Mapped[FormLanguage] = mapped_column(
        enum_column(FormLanguage), default=FormLanguage.JA
    )
    #: 避難支援等を必要とする事由, as categories (SupportReason); at least one is set.
    reason_elderly_care: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    reason_physical: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    reason_intellectual: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    reason_mental: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    reason_medical_care: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    reason_infant_pregnant: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    reason_foreign: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    reason_other: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    #: The reason in the staff's words: diagnoses, devices, certificates. 要配慮個人情報:
    #: only agreements with the medical group "support_reason_detail" provide it.
    support_reason_detail: Mapped[str | None] = mapped_column(Text)

    #: 地区/町丁目.
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    district: Mapped[District] = relationship(lazy="joined")
    #: Home location (WGS84). Approximate when derived from the district, not the address.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    #: Derived from location_precision (its `approximate`), kept as a column for the
    #: partner field set and the lists; set only with the precision (set_location).
    location_approximate: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Where the coordinates come from; MANUAL ones are never geocoded over.
    location_precision: Mapped[LocationPrecision] = mapped_column(
        enum_column(LocationPrecision), default=LocationPrecision.DISTRICT, index=True
    )

    household: Mapped[Household] = mapped_column(enum_column(Household))
    mobility: Mapped[Mobility] = mapped_column(enum_column(Mobility))
    #: 在宅人工呼吸器, 酸素, 吸引器, 透析; anything else goes in device_other.
    device_ventilator: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    device_oxygen: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    device_suction: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    device_dialysis: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    device_other: Mapped[str | None] = mapped_column(String(100))
    #: Communication needs: 聴覚, 視覚, 言語/外国語, 知的・認知.
    comm_hearing: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    comm_visual: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    comm_language: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    comm_cognitive: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    #: The language spoken, when comm_language is set.
    language_note: Mapped[str | None] = mapped_column(String(60))
    #: 要介護度.
    care_level: Mapped[CareLevel] = mapped_column(enum_column(CareLevel))
    #: 障害者手帳, as written on it (e.g. 身体1級, 療育A, 精神2級); empty when none.
    disability_certificate: Mapped[str | None] = mapped_column(String(40))

    status: Mapped[RegistrantStatus] = mapped_column(enum_column(RegistrantStatus))
    source: Mapped[Source] = mapped_column(enum_column(Source))
    #: When staff last confirmed the entry with the person or a source system.
    last_verified_on: Mapped[date | None] = mapped_column(Date, index=True)

    #: Copy of the current register-sharing consent state, written only by record_consent()
    #: in the transaction that appends the record, so lists can filter on it with an index.
    consent_state: Mapped[ConsentState] = mapped_column(enum_column(ConsentState))
    #: Copy of that record's scope, as a bitmask of partners.SCOPE_BITS (0 when none).
    consent_scope: Mapped[int] = mapped_column(Integer, default=0)
    #: The record the state above was derived from.
    current_consent_id: Mapped[int | None] = mapped_column(
        ForeignKey("consent_records.id", use_alter=True)
    )
    current_consent: Mapped[ConsentRecord | None] = relationship(
        foreign_keys=[current_consent_id], post_update=True
    )

    # Search keys: normalised copies of name, kana, address and phones (text.person_keys),
    # compared whole or by prefix.
    name_key: Mapped[str] = mapped_column(search_key_type(100))
    kana_key: Mapped[str] = mapped_column(search_key_type(100))
    address_key: Mapped[str] = mapped_column(search_key_type(200))
    #: The given name and its reading alone (after the first space), so a caller who knows
    #: only 花子 finds her; empty when the name has no space.
    given_key: Mapped[str] = mapped_column(search_key_type(100), default="")
    given_kana_key: Mapped[str] = mapped_column(search_key_type(100), default="")
    #: The phone and mobile numbers as digits only (042-461-3333 -> 0424613333).
    phone_key: Mapped[str] = mapped_column(search_key_type(20), default="")
    mobile_key: Mapped[str] = mapped_column(search_key_type(20), default="")

    # The priority score for making a plan and what the coverage counters count this person
    # under, kept by roster.priority.stored (never edited, never versioned): the score by the
    # weights in config, the plan's state (none, draft, current), whether the person is in
    # the plan queue (active, no current plan), and the district and status it is counted
    # under (None: not counted yet), and the consent state and scope (partners' counts).
    priority_score: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    plan_state: Mapped[str] = mapped_column(String(8), default="none", server_default="none")
    in_queue: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    counted_district_id: Mapped[int | None] = mapped_column(Integer)
    counted_status: Mapped[str | None] = mapped_column(String(20))
    #: The consent state and scope the person is counted under for partners' counts.
    counted_consent_state: Mapped[str | None] = mapped_column(String(24))
    counted_consent_scope: Mapped[int | None] = mapped_column(Integer)

    #: Optimistic lock: a save built on an older version is refused.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    emergency_contacts: Mapped[list[EmergencyContact]] = relationship(
        back_populates="registrant",
        cascade="all, delete-orphan",
        order_by="EmergencyContact.position",
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Registrant {self.id}>"


class EmergencyContact(Base):
    """Someone to call about the registrant: family, a care manager, a neighbour."""

    __tablename__ = "emergency_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="CASCADE"), index=True
    )
    registrant: Mapped[Registrant] = relationship(back_populates="emergency_contacts")
    #: 1 is called first.
    position: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(100))
    relation: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20))
