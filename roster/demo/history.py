"""What one demo load writes the partners' history with: the session, the towns, the
organisations by key, the staff account that recorded it all, the day the demo is loaded
for and a seeded random source for the moments of the day things happened."""

from __future__ import annotations

import random
from datetime import date, datetime

from ..extensions import DbSession
from ..models import District, Organisation, User
from .draw import office_hours
from .organisations import ORGANISATIONS


class PartnerHistory:
    """The state the agreements, the ledger and the release of one demo load share."""

    def __init__(
        self,
        session: DbSession,
        districts: dict[str, District],
        organisations: list[Organisation],
        users: dict[str, User],
        today: date,
        seed: int,
    ) -> None:
        self.session = session
        self.districts = districts
        self.organisations = {s.key: o for s, o in zip(ORGANISATIONS, organisations, strict=True)}
        self.users = users
        self.staff = users["staff"]
        self.today = today
        self.rng = random.Random(seed * 7919 + 4)  # noqa: S311 - reproducible fiction
        self.counts = {"agreements": 0, "provisions": 0, "provision_items": 0}
        #: Agreement -> its last copy number.
        self.copy_numbers: dict[int, int] = {}

    def moment(self, day: date) -> datetime:
        return office_hours(self.rng, day)

    def towns(self, names: tuple[str, ...]) -> list[District]:
        chosen = [self.districts[t] for t in names] if names else list(self.districts.values())
        return sorted(chosen, key=lambda d: d.code)
