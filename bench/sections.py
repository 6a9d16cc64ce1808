"""docs/performance.md is written by several benchmarks, each owning one "## " section."""

from __future__ import annotations

import argparse
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def replace_section(text: str, heading: str, section: str) -> str:
    """text with the section under `heading` (up to the next "## " heading) replaced by
    `section` (which starts with that heading), or with `section` appended."""
    section = section.strip("\n") + "\n"
    start = text.find(f"\n{heading}\n")
    if start < 0:
        return text.rstrip("\n") + "\n\n" + section
    end = text.find("\n## ", start + 1)
    head = text[: start + 1]
    return head + section if end < 0 else head + section + "\n" + text[end + 1 :]


def write_section(heading: str, section: str) -> None:
    """Replace (or add) one section of docs/performance.md, keeping every other."""
    current = DOC.read_text() if DOC.exists() else ""
    DOC.write_text(replace_section(current, heading, section))


def sizes_parser(description: str) -> argparse.ArgumentParser:
    """The arguments of a benchmark that times a small register against a large one in the
    same run (a ratio, never an absolute number): --small, --large, --rounds, --write."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--large", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="write docs/performance.md")
    return parser
