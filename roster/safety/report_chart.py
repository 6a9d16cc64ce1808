"""The report's chart of confirmations per hour, laid out on the server for inline SVG.

No script and no chart library (the app runs on a closed network): this module works out
where each bar, tick and point goes, and the template writes the SVG elements. Bars are the
first confirmations in each hour since the start; the line is the running share of the
operation's people confirmed, against the right-hand axis (0–100 %).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .report import HourBucket

WIDTH, HEIGHT = 680, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 54, 12, 36
#: At most this many hour labels under the bars.
MAX_X_LABELS = 12
#: The chart is at least this many hours wide, so that the first hours of a running
#: operation are not drawn as two wide blocks.
MIN_SLOTS = 12


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    hour: int
    open_ended: bool


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    bars: list[Bar] = field(default_factory=list)
    #: "x,y x,y …" of the running share, for a polyline.
    line: str = ""
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    share_ticks: list[Tick] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.bars


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, … that is at least `value` (at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def chart(hours: list[HourBucket], people: int) -> Chart:
    """The chart of these buckets, the line scaled to `people` (the report's total)."""
    if not hours:
        return Chart()
    top, bottom = TOP, HEIGHT - BOTTOM
    span = WIDTH - RIGHT - LEFT
    slot = span / max(len(hours), MIN_SLOTS)
    peak = nice_ceiling(max(b.count for b in hours))
    bars = [_bar(b, LEFT + i * slot, slot, peak, top, bottom) for i, b in enumerate(hours)]
    return Chart(
        bars=bars,
        line=_line(hours, people, slot, top, bottom),
        x_ticks=_x_ticks(hours, slot),
        y_ticks=[Tick(_y(v, peak, top, bottom), f"{v:,}") for v in (0, peak // 2, peak)],
        share_ticks=[Tick(_y(p, 100, top, bottom), f"{p}%") for p in (0, 50, 100)],
    )


def _y(value: float, peak: float, top: float, bottom: float) -> float:
    return round(bottom - (bottom - top) * value / peak, 1) if peak else bottom


def _bar(bucket: HourBucket, x: float, slot: float, peak: int, top: int, bottom: int) -> Bar:
    gap = min(2.0, slot * 0.15)
    y = _y(bucket.count, peak, top, bottom)
    return Bar(
        round(x + gap / 2, 1), y, round(slot - gap, 1), round(bottom - y, 1),
        bucket.count, bucket.hour, bucket.open_ended,
    )  # fmt: skip


def _line(hours: list[HourBucket], people: int, slot: float, top: int, bottom: int) -> str:
    """The running share at the end of each hour, from 0 at the start."""
    if not people:
        return ""
    points: list[tuple[float, float]] = [(LEFT, bottom)]
    for i, bucket in enumerate(hours):
        share = 100 * bucket.cumulative / people
        points.append((round(LEFT + (i + 1) * slot, 1), _y(share, 100, top, bottom)))
    return " ".join(f"{x},{y}" for x, y in points)


def _x_ticks(hours: list[HourBucket], slot: float) -> list[Tick]:
    """Hour marks at the start of every k-th bar, so that at most MAX_X_LABELS show."""
    every = max(1, -(-len(hours) // MAX_X_LABELS))
    return [
        Tick(round(LEFT + i * slot, 1), f"{b.hour}") for i, b in enumerate(hours) if i % every == 0
    ]
