"""What every copy of a partner's list carries: the watermark naming the copy, and the
confidentiality duty of 災害対策基本法 第49条の13."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..i18n import show_datetime
from ..models import Provision

CONFIDENTIALITY_NOTICE = _l(
    "Confidential (Disaster Countermeasures Basic Act, art. 49-13): whoever receives this "
    "list, and whoever received it in the past, must not disclose without good reason any "
    "secret learned about the people on it. Use it only for evacuation support, make no "
    "copies, and return or destroy it when the agreement ends or a new list replaces it."
)
#: The same duty in fewer words, where space is short (a spreadsheet's page footer).
SHORT_NOTICE = _l(
    "Confidential (art. 49-13, Disaster Countermeasures Basic Act): for evacuation support "
    "only; do not disclose or copy; return or destroy at the end."
)


@dataclass(frozen=True)
class CopyMark:
    """Who a copy was made for and by, when, and its number in the ledger."""

    organisation: str
    user: str
    made_at: datetime
    copy_no: int

    @classmethod
    def of(cls, provision: Provision) -> CopyMark:
        return cls(
            organisation=provision.organisation.name,
            user=provision.user.display_name,
            made_at=provision.created_at,
            copy_no=provision.copy_no,
        )

    @property
    def copy_label(self) -> str:
        return _("Copy no. %(n)d", n=self.copy_no)

    @property
    def made(self) -> str:
        return show_datetime(self.made_at)

    def line(self) -> str:
        """One line for a spreadsheet row or page header."""
        return _(
            "%(organisation)s · %(user)s · made %(time)s · %(copy)s",
            organisation=self.organisation,
            user=self.user,
            time=self.made,
            copy=self.copy_label,
        )
