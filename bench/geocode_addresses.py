"""Geocoding a large register against a large point table, against a bare dictionary lookup.

    python bench/geocode_addresses.py [--people 200000] [--points 50000] [--rounds 3] [--write]

The point table holds --points 住居 and 街区 keys of made-up towns (each with 丁目); the
people's addresses are written the ways registers write them: 漢数字 or full-width digits,
丁目/番地/号 or any dash, with or without the prefecture, a building and room number after a
space or none, and one in ten with no point of its own (placed at the block or 丁目).
Each round times, in alternating order: a bare dict.get of the very keys the addresses lead
to (the floor any geocoder pays), geo.addresses.normalise alone, and normalise + locate (the
whole geocoding of `roster geocode`, without the database). The result is the median per
step and the ratio to the bare lookup. --write replaces the "## Geocoding" section of
docs/performance.md and keeps every other section.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sections import write_section  # noqa: E402 - bench/sections.py, beside this script

from geo.addresses import AddressIndex, normalise, point_key  # noqa: E402

HEADING = "## Geocoding"
PREFECTURE, CITY = "東京都", "西東京市"
KANJI = "〇一二三四五六七八九"
DASHES = ("-", "－", "‐", "ー", "―", "−")


def kanji(n: int) -> str:
    """12 → 十二, 23 → 二十三 (up to 99)."""
    tens, ones = divmod(n, 10)
    head = (KANJI[tens] if tens > 1 else "") + ("十" if tens else "")
    return head + (KANJI[ones] if ones else "")


def town_name(n: int) -> str:
    """A made-up town name without digits (digits would start the address's numbers)."""
    kana = "アイウエオカキクケコサシスセソタチツテト"
    letters = ""
    while True:
        n, r = divmod(n, len(kana))
        letters += kana[r]
        if not n:
            return f"{letters}野町"


Houses = list[tuple[str, int, int, int]]


def point_table(count: int, rng: random.Random) -> tuple[AddressIndex, Houses]:
    """count points: houses of blocks of 丁目 of made-up towns, with each block's own point."""
    index = AddressIndex()
    houses: Houses = []
    town = 0
    while len(index) < count:
        town += 1
        name = town_name(town)
        for chome in range(1, 6):
            index.add(point_key(name, chome), 35.7, 139.5, "chome")
            for block in range(1, 21):
                index.add(point_key(name, chome, block), 35.7, 139.5, "block")
                for house in range(1, 4):
                    index.add(point_key(name, chome, block, house), 35.7, 139.5, "house")
                    houses.append((name, chome, block, house))
    return index, houses


def written(town: str, chome: int, block: int, house: int, rng: random.Random) -> str:
    """One address as a register might write it."""
    style = rng.random()
    if style < 0.3:
        numbers = f"{kanji(chome)}丁目{kanji(block)}番{kanji(house)}号"
    elif style < 0.6:
        dash = rng.choice(DASHES)
        numbers = f"{chome}{dash}{block}{dash}{house}".translate(
            str.maketrans("0123456789", "０１２３４５６７８９") if rng.random() < 0.5 else {}
        )
    else:
        numbers = f"{chome}丁目{block}番地{house}"
    prefix = rng.choice((f"{PREFECTURE}{CITY}", CITY, f"{PREFECTURE} {CITY} "))
    rest = rng.choice(("", "", " コーポさくら101号室", " メゾンけやき203"))
    return f"{prefix}{town}{numbers}{rest}"


def people(houses: list[tuple[str, int, int, int]], count: int, rng: random.Random
           ) -> tuple[list[str], list[str]]:
    """count addresses, and the key each one leads to (for the bare lookup)."""
    addresses, keys = [], []
    for _ in range(count):
        town, chome, block, house = rng.choice(houses)
        if rng.random() < 0.1:
            house = 50  # no such house: the block's point
        addresses.append(written(town, chome, block, house, rng))
        keys.append(point_key(town, chome, block, house))
    return addresses, keys


def timed(step: Callable[[], object]) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--points", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 - made-up addresses
    index, houses = point_table(args.points, rng)
    addresses, keys = people(houses, args.people, rng)
    table = index.points

    def bare() -> object:
        return [table.get(k) for k in keys]

    def parse() -> object:
        return [normalise(a, PREFECTURE, CITY) for a in addresses]

    def geocode() -> object:
        return [index.locate(normalise(a, PREFECTURE, CITY)) for a in addresses]

    steps = {"bare": bare, "normalise": parse, "geocode": geocode}
    times: dict[str, list[float]] = {name: [] for name in steps}
    for round_ in range(args.rounds):
        order = list(steps) if round_ % 2 == 0 else list(reversed(steps))
        for name in order:
            times[name].append(timed(steps[name]))
    median = {name: statistics.median(values) for name, values in times.items()}
    found = geocode()
    levels = {level: sum(1 for m in found if m and m.level == level)  # type: ignore[attr-defined]
              for level in ("house", "block", "chome")}
    missed = sum(1 for m in found if m is None)  # type: ignore[attr-defined]
    report(args, len(index), median, levels, missed)


def report(args: argparse.Namespace, points: int, median: dict[str, float],
           levels: dict[str, int], missed: int) -> None:
    ratio = {name: value / median["bare"] for name, value in median.items()}
    per_person = median["geocode"] / args.people * 1e6
    lines = [
        HEADING,
        "",
        f"Measured {date.today().isoformat()} by `bench/geocode_addresses.py` on "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}: "
        f"{args.people:,} addresses written as registers write them (漢数字, full-width digits, "
        "丁目/番地/号 or any dash, with or without the prefecture, 方書 after the numbers) "
        f"against {points:,} points (住居, 街区 and 町丁目 keys). Median of {args.rounds} "
        "rounds, in alternating order; the machine is shared, so the ratios matter more than "
        "the seconds.",
        "",
        "| step | seconds | ratio to the bare lookup |",
        "|---|---:|---:|",
        f"| bare `dict.get` of the same keys | {median['bare']:.3f} | 1.00 |",
        f"| `normalise` (taking each address apart) | {median['normalise']:.3f} "
        f"| {ratio['normalise']:.0f} |",
        f"| `normalise` + `AddressIndex.locate` (the geocoding) | {median['geocode']:.3f} "
        f"| {ratio['geocode']:.0f} |",
        "",
        f"Outcome: {levels['house']:,} at a house, {levels['block']:,} at a block (their house "
        f"has no point), {levels['chome']:,} at a 丁目, {missed:,} not found. The geocoding "
        f"costs about {per_person:.0f} µs a person, nearly all of it in reading the address "
        "(Unicode normalisation, the dash forms and 漢数字, the regular expressions); the "
        "lookup itself is a few dictionary probes, finest first. A bare lookup is possible "
        "only once the key is known, and finding the key is the work measured here: "
        f"{args.people:,} people take {median['geocode']:.1f} s before `roster geocode` writes "
        "the people who moved and recomputes their hazard flags and shelters. "
        "Re-run: `.venv/bin/python bench/geocode_addresses.py --write`.",
    ]
    section = "\n".join(lines) + "\n"
    print(section)
    if args.write:
        write_section(HEADING, section)


if __name__ == "__main__":
    main()
