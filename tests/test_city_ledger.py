"""The city-wide provision ledger (issue 15, point 6): every copy out, to every
organisation; filters by organisation, format, agreement ended and outstanding; paged; CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from roster.models import (
    AgreementStatus,
    AuditEvent,
    DisposalMethod,
    Provision,
    ProvisionFormat,
)

from .conftest import AuthActions, IsolatedClient
from .factories import Factory


def _copy(db: Any, agreement: Any, user: Any, fmt: ProvisionFormat, no: int, **kw: Any) -> Any:
    copy = Provision(organisation_id=agreement.organisation_id, agreement_id=agreement.id,
                     user_id=user.id, format=fmt, copy_no=no, count=3, **kw)
    db.add(copy)
    db.flush()
    return copy


@pytest.fixture()
def ledger(world: dict[str, Any], factory: Factory, db: Any) -> dict[str, Any]:
    """Copies of two organisations: the world's (in force) has a print out and a CSV back;
    a second organisation's agreement was terminated with an XLSX copy still out."""
    partner, staff = world["users"]["partner"], world["users"]["staff"]
    other = factory.organisation()
    ended = factory.agreement(other, status=AgreementStatus.TERMINATED)
    copies = {
        "print_out": _copy(db, world["agreement"], partner, ProvisionFormat.PRINT, 1),
        "csv_back": _copy(db, world["agreement"], partner, ProvisionFormat.CSV, 2,
                          disposed_on=date.today(), disposal_method=DisposalMethod.RETURNED,
                          confirmed_by="=cmd", disposal_recorded_by_id=staff.id),
        "xlsx_ended": _copy(db, ended, partner, ProvisionFormat.XLSX, 1),
    }
    return {**world, "other": other, "ended": ended, "copies": copies}


def _links(html: str) -> set[int]:
    """The copies a page lists, by their IDs."""
    import re

    return {int(m) for m in re.findall(r'href="/partners/provisions/(\d+)"', html)}


def _ids(ledger: dict[str, Any], *names: str) -> set[int]:
    return {ledger["copies"][n].id for n in names}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ("print_out", "csv_back", "xlsx_ended")),
        ("?format=xlsx", ("xlsx_ended",)),
        ("?outstanding=1", ("print_out", "xlsx_ended")),
        ("?ended=1", ("xlsx_ended",)),
        ("?format=nonsense", ("print_out", "csv_back", "xlsx_ended")),
    ],
)
def test_the_city_ledger_lists_every_organisations_copies_as_filtered(
    client: IsolatedClient, auth: AuthActions, ledger: dict[str, Any], query: str,
    expected: tuple[str, ...],
) -> None:
    auth.login("t_staff")
    response = client.get("/partners/ledger" + query)
    assert response.status_code == 200
    assert _links(response.get_data(as_text=True)) == _ids(ledger, *expected)


def test_the_city_ledger_filters_by_organisation(
    client: IsolatedClient, auth: AuthActions, ledger: dict[str, Any]
) -> None:
    auth.login("t_staff")
    html = client.get(f"/partners/ledger?organisation={ledger['other'].id}").get_data(as_text=True)
    assert _links(html) == _ids(ledger, "xlsx_ended")


def test_an_active_agreement_past_its_end_counts_as_ended(
    client: IsolatedClient, auth: AuthActions, ledger: dict[str, Any], db: Any
) -> None:
    ledger["agreement"].ends_on = date.today() - timedelta(days=1)
    db.flush()
    auth.login("t_staff")
    html = client.get("/partners/ledger?ended=1").get_data(as_text=True)
    assert _links(html) == _ids(ledger, "print_out", "csv_back", "xlsx_ended")


def test_the_city_ledger_is_paged(
    client: IsolatedClient, auth: AuthActions, ledger: dict[str, Any], app: Any
) -> None:
    auth.login("t_staff")
    size = app.config["PAGE_SIZE"]
    app.config["PAGE_SIZE"] = 2
    try:
        first = _links(client.get("/partners/ledger").get_data(as_text=True))
        second = _links(client.get("/partners/ledger?page=2").get_data(as_text=True))
    finally:
        app.config["PAGE_SIZE"] = size
    assert len(first) == 2 and len(second) == 1
    assert first | second == _ids(ledger, "print_out", "csv_back", "xlsx_ended")


def test_the_ledger_csv_has_the_filtered_copies_in_words_and_is_audited(
    client: IsolatedClient, auth: AuthActions, ledger: dict[str, Any], db: Any
) -> None:
    auth.login("t_staff")
    response = client.get("/partners/ledger.csv?outstanding=1")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][0] == "団体" and len(rows) == 3
    states = {row[8] for row in rows[1:]}
    assert states == {"提供中", "返却・廃棄が必要"}
    assert not {row[3] for row in rows[1:]} & {"print", "xlsx", "csv"}
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "provision.ledger_export")
    ).one()
    assert json.loads(event.detail) == {"count": 2, "filter": {"outstanding": "1"}}


def test_the_ledger_csv_is_formula_safe(
    client: IsolatedClient, auth: AuthActions, ledger: dict[str, Any]
) -> None:
    auth.login("t_staff")
    text = client.get("/partners/ledger.csv").get_data().decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert "'=cmd" in cells and "=cmd" not in cells


def test_the_menu_and_the_partners_page_link_the_city_ledger(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    assert 'href="/partners/ledger"' in client.get("/partners/").get_data(as_text=True)
    assert 'href="/partners/ledger"' in client.get("/registrants/").get_data(as_text=True)
    auth.logout()
    auth.login("t_partner")
    assert client.get("/partners/ledger").status_code == 403
    assert client.get("/partners/ledger.csv").status_code == 403
