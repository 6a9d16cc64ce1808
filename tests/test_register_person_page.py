"""The person page (/registrants/<id>) as staff see it."""

from __future__ import annotations

import re
from typing import Any

from roster.models import FormLanguage

from .conftest import AuthActions, IsolatedClient
from .test_codes_on_pages import VisibleText


def rows_of(page: str) -> dict[str, str]:
    return dict(re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)</td>', page))


def test_staff_see_the_language_the_papers_are_sent_in_and_partners_do_not(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    person = world["consenting"]
    person.preferred_language = FormLanguage.JA_EASY
    db.flush()
    auth.login("t_staff")
    assert rows_of(client.get(f"/registrants/{person.id}").get_data(as_text=True))[
        "送付する書類の言語"
    ] == "やさしい日本語"
    client.post("/locale", data={"locale": "en"})
    page = client.get(f"/registrants/{person.id}").get_data(as_text=True)
    assert rows_of(page)["Language of the papers sent"] == "Easy Japanese"
    visible = VisibleText()
    visible.feed(page)
    # Nor as a code in the change history under it.
    assert "ja-easy" not in " ".join(visible.text)
    auth.logout()
    auth.login("t_partner")
    page = client.get(f"/registrants/{person.id}").get_data(as_text=True)
    assert "送付する書類の言語" not in page and "Language of the papers sent" not in page
