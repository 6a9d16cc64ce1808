"""geo.groups: 受入対象者 free text to the groups welfare shelters take."""

from __future__ import annotations

import geopandas as gpd
import pytest

from geo.groups import ACCEPT_GROUPS, normalise_accepts
from geo.gsi import DATA_DIR


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        # Every value in the real 西東京市 data.
        ("高齢者", ["elderly"]),
        ("妊婦、乳幼児", ["pregnant_infant"]),
        ("妊婦・乳幼児", ["pregnant_infant"]),
        ("妊産婦及び乳幼児等の要配慮者", ["pregnant_infant"]),
        ("妊婦、乳幼児・保護者", ["pregnant_infant"]),
        ("妊婦、乳幼児と母", ["pregnant_infant"]),
        ("妊婦優先・乳幼児", ["pregnant_infant"]),
        ("妊婦・乳幼児母子", ["pregnant_infant"]),
        ("妊婦、乳幼児と付き添い者、重度要配慮者", ["pregnant_infant", "medical_care"]),
        ("障害者", ["disabled"]),
        ("障害者、高齢者等", ["elderly", "disabled"]),
        ("妊婦、車いす来園者", ["disabled", "pregnant_infant"]),
        ("重度要配慮者", ["medical_care"]),
        # Other wordings.
        ("要介護者", ["elderly"]),
        ("要介護３以上", ["elderly"]),
        ("医療的ケア児", ["medical_care"]),
        ("身体障害者・知的障害者・精神障害者", ["disabled"]),
        ("車椅子使用者", ["disabled"]),
        ("障がいのある方", ["disabled"]),
        ("乳幼児、高齢者、高齢者", ["elderly", "pregnant_infant"]),
    ],
)
def test_known_wordings(text: str, groups: list[str]) -> None:
    assert normalise_accepts(text) == groups


@pytest.mark.parametrize(
    "text",
    ["要配慮者", "要配慮者及びその支援者", "要援護者", "災害時要援護者", "要配慮者とその家族"],
)
def test_the_general_words_for_people_who_need_care_take_every_group(text: str) -> None:
    assert normalise_accepts(text) == list(ACCEPT_GROUPS)


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("高齢者等の要配慮者", ["elderly"]),
        ("障害者等の災害時要援護者", ["disabled"]),
    ],
)
def test_a_general_word_beside_a_group_keeps_to_that_group(text: str, groups: list[str]) -> None:
    assert normalise_accepts(text) == groups


@pytest.mark.parametrize("text", [None, "", "どなたでも", "地域住民", "避難者"])
def test_unknown_text_gives_no_group(text: str | None) -> None:
    assert normalise_accepts(text) == []


def test_every_real_value_maps_to_a_group() -> None:
    gdf = gpd.read_file(DATA_DIR / "nishitokyo_132292_evacuation.geojson", engine="pyogrio")
    values = {str(v).strip() for v in gdf["受入対象者"].dropna() if str(v).strip()}
    assert len(values) == 12
    for value in values:
        groups = normalise_accepts(value)
        assert groups, value
        assert groups == [g for g in ACCEPT_GROUPS if g in groups]
