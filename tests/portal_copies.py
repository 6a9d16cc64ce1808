"""Making a partner's file copy as the browser does: the confirm button's POST lands on the
copy's page, whose button downloads the file."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from roster.models import Provision

from .conftest import IsolatedClient


def copy_page_url(client: IsolatedClient, fmt: str) -> str:
    """Press the confirm button for a CSV or XLSX copy; the address of the copy's page."""
    response = client.post(f"/portal/export.{fmt}", data={})
    assert response.status_code == 303, response.status_code
    location = str(response.headers["Location"])
    assert location.startswith("/portal/copies/"), location
    return location


def download_copy(client: IsolatedClient, fmt: str) -> Any:
    """Make a CSV or XLSX copy and download its file; the file's response."""
    response = client.get(copy_page_url(client, fmt) + "/file")
    assert response.status_code == 200, response.status_code
    return response


def made_earlier(db: Any, minutes: int = 3) -> None:
    """Every copy so far made `minutes` earlier: the next confirm makes a new copy even when
    it would hold the same people (within two minutes it lands on the same copy)."""
    for copy in db.scalars(select(Provision)):
        copy.created_at -= timedelta(minutes=minutes)
    db.flush()
