"""Fitting a plan on one A4 page.

The print (templates/plans/print.html, roster/static/plan-print.css) sets the person's
items and the supporters across the page and the other terms in two balanced columns. Its
type comes in three sizes (densities). fit() measures, in millimetres, what the plan needs
at each size with the widths of the style sheet, and picks the largest that fits; a plan
too long even for the smallest has its longest notes shortened, visibly (…), with a line on
the page that says so: a plan on paper is one sheet, and the full text stays in the system.
The page's script (plan-print.js) checks the result in the browser and steps the type down
if the estimate was short; the sheet clips at one page as the last guard.

The labels of the print's items live here (ITEMS), so the estimate measures the words the
page prints, in the language it prints them.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..i18n import show_date
from ..labels import label, need_label, reason_labels
from .names import (
    ASSISTANCE,
    AUTHOR_ROLE_LABELS,
    DESTINATION_LABELS,
    START_TRIGGERS,
    TRANSPORTS,
    code_label,
)

#: Free-text terms that may be shortened, longest first when it comes to that.
NOTES = (
    "route_notes",
    "assistance_notes",
    "items_to_carry",
    "illnesses",
    "medicines",
    "allergies",
    "communication_notes",
    "pets",
    "doctor",
    "hospital",
)

#: Labels of the items in the print's two columns, by section, in the order printed.
ITEMS: dict[str, dict[str, Any]] = {
    "destination": {
        "destination": _l("Destination"),
        "destination_address": _l("Address of the place"),
        "distance": _l("Straight-line distance"),
        "start_trigger": _l("When to start"),
        "transport": _l("Transport"),
        "route_notes": _l("Route"),
    },
    "help": {
        "assistance": _l("How to help"),
        "assistance_notes": _l("Notes"),
        "items_to_carry": _l("Items to carry"),
        "battery_hours": _l("Battery time"),
    },
    "medical": {
        "illnesses": _l("Illnesses"),
        "doctor": _l("Doctor"),
        "hospital": _l("Hospital"),
        "medicines": _l("Medicines"),
        "allergies": _l("Allergies"),
        "communication_notes": _l("Communication"),
        "pets": _l("Pets"),
        "contact_1": _l("Contact 1"),
        "contact_2": _l("Contact 2"),
    },
    "made": {
        "author": _l("Made by"),
        "made_on": _l("Made on"),
        "review_on": _l("Review by"),
    },
}
SECTIONS = {
    "destination": _l("Destination and getting there"),
    "help": _l("Help needed"),
    "medical": _l("Medical and contact details"),
    "made": _l("Who made it"),
}

# --- the page, in millimetres (keep in step with plan-print.css) ------------------------------

PT = 0.3528
SHEET_W, SHEET_H = 194.0, 282.0
GAP = 1.4  #: .sheet gap between blocks
COLUMN_GAP = 5.0
LABEL_W = 26.0  #: dl.items grid's first column
ITEM_GAP = 1.5
ITEM_PAD = 0.9  #: padding and rule of one item
HEAD_H = 11.0  #: .doc-head (two lines of its facts, in English)
MARK_H = 5.5  #: .wm-line of a partner's copy
SECTION_GAP = 1.2  #: .flow section margin-bottom
#: The block of the small map and the signature lines (.sign-map): the map's height with its
#: heading and note, and one signature line.
SKETCH_H = 43.0
SIGN_LINE_H = 7.5
#: Supporters table: widths of its fixed columns and the cell padding.
TABLE_FIXED = 6 + 26 + 18 + 26 + 3 * 13
CELL_PAD = 2.0
#: Estimates are multiplied by this: better a size smaller than a page clipped.
SAFETY = 1.03


@dataclass(frozen=True)
class Density:
    name: str
    size_pt: float
    line_height: float

    @property
    def em(self) -> float:
        return self.size_pt * PT

    @property
    def line(self) -> float:
        return self.em * self.line_height


#: Largest type first (plan-print.css: .density-normal, -compact, -tight).
DENSITIES = (
    Density("normal", 9.6, 1.32),
    Density("compact", 8.7, 1.28),
    Density("tight", 7.8, 1.24),
)


def _em(c: str) -> float:
    if unicodedata.east_asian_width(c) in "WFA":
        return 1.0
    if c == " ":
        return 0.26
    if c in ".,:;'()[]/-|!il":
        return 0.3
    if c.isupper() or c in "mwMW":
        return 0.66
    return 0.52


def width(text: str) -> float:
    """Text width in ems: CJK characters are one em, Latin letters and digits about half."""
    return sum(_em(c) for c in text)


def lines(text: str, ems: float) -> int:
    """Lines the text takes in a box `ems` wide (at least one)."""
    if not text:
        return 1
    return sum(max(1, math.ceil(width(part) / max(ems, 1.0))) for part in text.split("\n"))


Item = tuple[str, str]


@dataclass
class Layout:
    density: str
    #: The person's items: (label, value, spans both columns).
    person: list[tuple[str, str, bool]]
    #: (title, items) of the two columns' sections, notes shortened where they had to be.
    sections: list[tuple[str, list[Item]]]
    #: Terms whose notes were shortened.
    shortened: list[str] = field(default_factory=list)


def _item(label: str, value: str, d: Density, value_w: float) -> float:
    label_lines = lines(label, LABEL_W / (0.9 * d.em))
    value_lines = lines(value, value_w / d.em)
    return max(label_lines * 0.9, value_lines) * d.line + ITEM_PAD


def _needed(
    values: dict[str, dict[str, str]],
    person: list[tuple[str, str, bool]],
    supporters: list[dict[str, Any]],
    footer: list[str],
    mark: bool,
    d: Density,
) -> float:
    """Height the page needs at density d, in mm."""
    value_w = (SHEET_W - COLUMN_GAP) / 2 - LABEL_W - ITEM_GAP  #: one column's values
    heading = d.line + 1.2
    height = heading
    # Added block by block, top to bottom, in the order the page sets them.
    for step in (
        *_person_rows(person, d, value_w),
        *_supporter_rows(supporters, d, heading),
        _columns(values, d, value_w, heading),
        _signatures(supporters, d, heading),
        _footer(footer, d),
        HEAD_H + (MARK_H if mark else 0.0),
    ):
        height += step
    return (height + 5 * GAP) * SAFETY


def _person_rows(
    person: list[tuple[str, str, bool]], d: Density, value_w: float
) -> Iterator[float]:
    """The person's items: two columns of items, wide ones across; the height of each row."""
    row: list[float] = []
    for name, value, wide in person:
        if wide:
            yield max(row, default=0) + _item(name, value, d, SHEET_W - LABEL_W - ITEM_GAP)
            row = []
        else:
            row.append(_item(name, value, d, value_w))
            if len(row) == 2:
                yield max(row)
                row = []
    yield max(row, default=0)


def _supporter_rows(
    supporters: list[dict[str, Any]], d: Density, heading: float
) -> Iterator[float]:
    """The supporters' table: its heading and head row, then one row each, as tall as its
    tallest cell."""
    address_w = (SHEET_W - TABLE_FIXED - CELL_PAD) / d.em
    yield heading + d.line + 1.0
    for s in supporters or [{}]:
        cells = (
            lines(s.get("address") or "", address_w),
            lines(s.get("name") or "", (26 - CELL_PAD) / d.em),
            lines(s.get("relation") or "", (18 - CELL_PAD) / d.em),
            lines(s.get("phone") or "", (26 - CELL_PAD) / d.em),
        )
        yield max(cells) * d.line + 0.7


def _columns(
    values: dict[str, dict[str, str]], d: Density, value_w: float, heading: float
) -> float:
    """The two columns, balanced item by item."""
    flow = 0.0
    tallest = 0.0
    for section, items in values.items():
        flow += heading + SECTION_GAP
        for key, value in items.items():
            h = _item(str(ITEMS[section][key]), value, d, value_w)
            flow += h
            tallest = max(tallest, h)
    # Whole items balance to within about half the tallest of them.
    return flow / 2 + tallest / 2


def _signatures(supporters: list[dict[str, Any]], d: Density, heading: float) -> float:
    """The map beside the signature lines: the person's, then one per supporter (at least
    one; in two columns beyond three supporters), under a heading and the date line."""
    signers = 1 + max(1, len(supporters))
    rows = signers if signers <= 4 else math.ceil(signers / 2)
    signing = heading + SIGN_LINE_H + rows * SIGN_LINE_H
    return max(SKETCH_H, signing)


def _footer(footer: list[str], d: Density) -> float:
    foot_w = SHEET_W / (0.88 * d.em)
    return sum(lines(t, foot_w) for t in footer) * 0.88 * d.line + 2.5


def fit(
    values: dict[str, dict[str, str]],
    person: list[tuple[str, str, bool]],
    supporters: list[dict[str, Any]],
    footer: list[str],
    mark: bool,
) -> Layout:
    """The largest type that prints everything on one page, shortening notes if none does.

    values: section -> item -> the text printed, by the keys of ITEMS; person: (label,
    value, spans both columns) of the person's items; footer: the texts at the foot; mark:
    a partner's copy, with its watermark line.
    """
    values = {s: dict(items) for s, items in values.items()}
    for density in DENSITIES:
        if _needed(values, person, supporters, footer, mark, density) <= SHEET_H:
            return _layout(values, person, density, [])
    tight = DENSITIES[-1]
    shortened = _shorten(
        values, lambda: _needed(values, person, supporters, footer, mark, tight) > SHEET_H
    )
    return _layout(values, person, tight, shortened)


def _layout(
    values: dict[str, dict[str, str]],
    person: list[tuple[str, str, bool]],
    density: Density,
    shortened: list[str],
) -> Layout:
    sections = [
        (str(SECTIONS[s]), [(str(ITEMS[s][k]), v) for k, v in items.items()])
        for s, items in values.items()
    ]
    return Layout(density.name, person, sections, [n for n in NOTES if n in shortened])


def _shorten(values: dict[str, dict[str, str]], too_tall: Callable[[], bool]) -> list[str]:
    """Shorten the longest notes in `values`, a little at a time, while the page is too tall
    at the smallest type; the names of the notes shortened."""
    where = {k: s for s, items in values.items() for k in items if k in NOTES}
    shortened: list[str] = []
    while too_tall():
        name = max(where, key=lambda n: width(values[where[n]][n]))
        text = values[where[name]][name]
        if width(text) <= 20:
            break  # nothing long is left; the sheet's own limit is the last guard
        keep = max(int(len(text) * 0.85), 20) - 1
        values[where[name]][name] = text[:keep].rstrip() + "…"
        if name not in shortened:
            shortened.append(name)
    return shortened


# --- what the print says --------------------------------------------------------------------

#: The supporters' disclaimer every plan and print carries.
DISCLAIMER = _l(
    "Supporters help as far as they reasonably can. They carry no legal liability or duty "
    "for the person's evacuation or its outcome: a plan is a best-effort arrangement, not a "
    "promise."
)
#: The secrecy duty of plan information (49-16, 49-17), as the portal print states 49-13.
PLAN_NOTICE = _l(
    "Confidential (Disaster Countermeasures Basic Act, arts. 49-16 and 49-17; see also "
    "49-13): whoever receives this plan, and whoever received it in the past, must not "
    "disclose without good reason any secret learned from it. Use it only for evacuation "
    "support, make no copies, and return or destroy it when it is no longer needed."
)

PERSON = {
    "name": _l("Name"),
    "born": _l("Date of birth / sex"),
    "address": _l("Address"),
    "phone": _l("Phone"),
    "district": _l("District"),
    "support_categories": _l("Why support is needed"),
    "support_reason_detail": _l("Why support is needed, in detail"),
    "needs": _l("Mobility / household"),
    "devices": _l("Medical devices"),
    "care_level": _l("Care level"),
}


def metres(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value / 1000:.1f} km" if value >= 1000 else f"{value:.0f} m"


def dash(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


def content(
    plan: Any, r: dict[str, Any], fields: frozenset[str], shelter: Any
) -> tuple[list[tuple[str, str, bool]], dict[str, dict[str, str]]]:
    """The person's items (as the user may see them) and the plan's items, as printed.
    Call it in the print's language (flask_babel.force_locale)."""
    person = _who(r, fields) + _needs(r, fields)
    values = {
        "destination": _destination(plan, shelter),
        "help": _help(plan),
        "medical": _medical(plan),
        "made": _made(plan),
    }
    return person, values


def _who(r: dict[str, Any], fields: frozenset[str]) -> list[tuple[str, str, bool]]:
    """Who the person is and where they live: name, birth, address, phone, district."""
    person: list[tuple[str, str, bool]] = []
    if "name" in fields:
        kana = f" ({r['name_kana']})" if r.get("name_kana") else ""
        person.append((str(PERSON["name"]), f"{r['name']}{kana}", False))
    if "birth_date" in fields or "sex" in fields:
        born = show_date(r["birth_date"], with_era=True) if "birth_date" in fields else "—"
        sex = label(r["sex"]) if "sex" in fields else "—"
        person.append((str(PERSON["born"]), f"{born} / {sex}", False))
    if "address" in fields:
        person.append((str(PERSON["address"]), dash(r["address"]), True))
    if "phone" in fields:
        phones = " / ".join(p for p in (r.get("phone"), r.get("mobile_phone")) if p)
        person.append((str(PERSON["phone"]), dash(phones), False))
    person.append((str(PERSON["district"]), r["district"]["name"], False))
    return person


def _needs(r: dict[str, Any], fields: frozenset[str]) -> list[tuple[str, str, bool]]:
    """Why the person needs support: reasons, mobility and household, devices, care level."""
    person: list[tuple[str, str, bool]] = []
    if "support_categories" in fields:
        reasons = reason_labels(r["support_categories"])
        person.append((str(PERSON["support_categories"]), dash(reasons), False))
    if "support_reason_detail" in fields:
        detail = r["support_reason_detail"]
        person.append((str(PERSON["support_reason_detail"]), dash(detail), True))
    if "mobility" in fields or "household" in fields:
        mobility = label(r["mobility"]) if "mobility" in fields else "—"
        household = label(r["household"]) if "household" in fields else "—"
        person.append((str(PERSON["needs"]), f"{mobility} / {household}", False))
    if "devices" in fields:
        person.append((str(PERSON["devices"]), dash(_devices(r)), False))
    if "care_level" in fields:
        person.append((str(PERSON["care_level"]), label(r["care_level"]), False))
    return person


def _devices(r: dict[str, Any]) -> str:
    devices = [need_label(d) for d in r["devices"]] + (
        [r["device_other"]] if r.get("device_other") else []
    )
    return "、".join(devices)


def _destination(plan: Any, shelter: Any) -> dict[str, str]:
    """Where the person goes, when, and how."""
    if plan.destination_kind.value == "shelter":
        place = shelter.name if shelter else _("Not chosen yet")
        address = shelter.address if shelter else ""
    else:
        kind = code_label(DESTINATION_LABELS, plan.destination_kind)  # type: ignore[arg-type]
        place = f"{kind}: {plan.destination_name}" if plan.destination_name else kind
        address = plan.destination_address
    return {
        "destination": place,
        "destination_address": dash(address),
        "distance": metres(plan.distance_m),
        "start_trigger": code_label(START_TRIGGERS, plan.start_trigger),  # type: ignore[arg-type]
        "transport": dash(code_label(TRANSPORTS, plan.transport)),  # type: ignore[arg-type]
        "route_notes": dash(plan.route_notes),
    }


def _help(plan: Any) -> dict[str, str]:
    help_needed = "、".join(str(ASSISTANCE[a]) for a in plan.assistance or [] if a in ASSISTANCE)
    hours = _("%(hours)s hours", hours=f"{plan.battery_hours:g}") if plan.battery_hours else ""
    return {
        "assistance": dash(help_needed),
        "assistance_notes": dash(plan.assistance_notes),
        "items_to_carry": dash(plan.items_to_carry),
        "battery_hours": dash(hours),
    }


def _medical(plan: Any) -> dict[str, str]:
    contacts = [
        f"{c['name']}{' (' + c['relation'] + ')' if c.get('relation') else ''} {c['phone']}"
        for c in plan.contacts or []
    ]
    return {
        "illnesses": dash(plan.illnesses),
        "doctor": dash(plan.doctor),
        "hospital": dash(plan.hospital),
        "medicines": dash(plan.medicines),
        "allergies": dash(plan.allergies),
        "communication_notes": dash(plan.communication_notes),
        "pets": dash(plan.pets),
        "contact_1": dash(contacts[0] if contacts else ""),
        "contact_2": dash(contacts[1] if len(contacts) > 1 else ""),
    }


def _made(plan: Any) -> dict[str, str]:
    return {
        "author": f"{plan.author_name} ({code_label(AUTHOR_ROLE_LABELS, plan.author_role)})",  # type: ignore[arg-type]
        "made_on": show_date(plan.made_on, with_era=True),
        "review_on": show_date(plan.review_on, with_era=True),
    }
