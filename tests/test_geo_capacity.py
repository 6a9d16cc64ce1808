"""geo.capacity: head counts from the capacity text municipalities publish (想定収容人数)."""

from __future__ import annotations

import pytest

from geo.capacity import Capacity, parse_capacity


@pytest.mark.parametrize(
    ("text", "indoor", "outdoor", "total", "people"),
    [
        ("屋内480人／屋外3,350人(面積の1/2)", 480, 3350, 3830, 480),
        ("480人", None, None, 480, 480),
        ("約1,200名", None, None, 1200, 1200),
        ("４８０人", None, None, 480, 480),
        ("屋内：480", 480, None, 480, 480),
        ("屋内：480、屋外：1,000", 480, 1000, 1480, 480),
        ("480人（屋内）", 480, None, 480, 480),
        ("1,000人（うち屋内480人）", 480, None, 1000, 480),
        ("体育館300人、校庭2,000人", 300, 2000, 2300, 300),
        ("屋外3,350人", None, 3350, 3350, 3350),
        ("1.2万人", None, None, 12000, 12000),
        ("480", None, None, 480, 480),
        ("　屋内　４８０　人　", 480, None, 480, 480),
    ],
)
def test_head_counts(
    text: str, indoor: int | None, outdoor: int | None, total: int | None, people: int | None
) -> None:
    capacity = parse_capacity(text)
    assert (capacity.indoor, capacity.outdoor, capacity.total) == (indoor, outdoor, total)
    assert capacity.people == people


@pytest.mark.parametrize("text", [None, "", "   ", "-", "－", "未定", "面積の1/2", "1/2", "500㎡",
                                  "2,400m2", "2020年", "平成30年指定", "50%"])
def test_no_head_count_means_unknown(text: str | None) -> None:
    capacity = parse_capacity(text)
    assert (capacity.indoor, capacity.outdoor, capacity.total, capacity.people) == (
        None, None, None, None,
    )


def test_numbers_that_are_not_head_counts_are_ignored_beside_real_ones() -> None:
    capacity = parse_capacity("2020年指定 屋内300人（面積1,200㎡の1/2）")
    assert (capacity.indoor, capacity.total) == (300, 300)


def test_the_original_text_is_kept() -> None:
    text = "屋内480人／屋外3,350人(面積の1/2)"
    assert parse_capacity(f" {text} ").text == text
    assert parse_capacity("-").text == "-"
    assert parse_capacity("").text is None
    assert parse_capacity(None) == Capacity(None, None, None, None)
