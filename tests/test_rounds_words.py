"""The rounds list and a round's page say which forms went out, with counts, in words."""

from __future__ import annotations

from roster.models import FormLanguage

from .test_rounds import new_round


def test_the_rounds_list_and_a_round_name_every_form_sent_with_counts(client, auth, world,
                                                                       factory):
    district = world["districts"][0]
    factory.registrant(district, preferred_language=FormLanguage.EN)
    factory.registrant(district, preferred_language=FormLanguage.JA_EASY)
    factory.registrant(district, preferred_language=FormLanguage.JA_EASY)
    auth.login("t_staff")
    round_id = new_round(client, language="preferred")
    listed = client.get("/rounds/").get_data(as_text=True)
    row = listed[listed.index(f"/rounds/{round_id}"):]
    row = row[:row.index("</tr>")]
    assert "英語版（2026年4月） 1人" in row and "やさしい日本語版（2026年4月） 2人" in row
    assert "日本語版（2026年4月） 1人" in row
    page = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "（計 4人）・返送 0件" in page and "×" not in page


def test_a_round_of_one_form_reads_as_one_sentence(client, auth, world):
    auth.login("t_staff")
    round_id = new_round(client)
    page = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "同意書：日本語版（2026年4月） 1人・返送 0件" in page
