"""Eligibility import of 100,000 rows against a bare bulk insert of the same rows, in one run.

    python bench/import_registrants.py [--rows 100000] [--database-url URL] [--write]

Both go into a fresh migrated demo database (西東京市, no registrants yet): SQLite files in a
temporary folder, or with --database-url two databases on that PostgreSQL server, named
after the URL's with _import_bare and _import_full appended.
The baseline inserts ready-made registrant rows with one executemany; the import reads a
Shift_JIS CSV with era dates and full-width digits, parses and checks it, compares it with
the register, inserts, audits every person and commits. --write adds the result to
docs/performance.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sections import (  # noqa: E402 - bench/sections.py, beside this script
    database_name,
    fresh_postgresql,
    write_for_database,
)
from sqlalchemy import delete, insert  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from roster import create_app  # noqa: E402
from roster.extensions import db  # noqa: E402
from roster.imports.batches import SourceFile  # noqa: E402
from roster.imports.mapping import Mapping  # noqa: E402
from roster.imports.operations import _new_row, apply_import, plan_import  # noqa: E402
from roster.imports.parsing import parse_rows  # noqa: E402
from roster.imports.tables import read_table  # noqa: E402
from roster.models import District, Registrant  # noqa: E402
from roster.web import city_prefix  # noqa: E402

ERAS = (("昭和", 1926), ("平成", 1989))
FAMILY = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤")
FAMILY_KANA = (
    "サトウ",
    "スズキ",
    "タカハシ",
    "タナカ",
    "イトウ",
    "ワタナベ",
    "ヤマモト",
    "ナカムラ",
    "コバヤシ",
    "カトウ",
)
GIVEN = (
    ("和子", "カズコ", "女"),
    ("清", "キヨシ", "男"),
    ("幸子", "サチコ", "女"),
    ("茂", "シゲル", "男"),
    ("節子", "セツコ", "女"),
    ("勇", "イサム", "男"),
)
WIDE = str.maketrans("0123456789-", "０１２３４５６７８９－")


def export(path: Path, rows: int, towns: list[str]) -> None:
    """A Shift_JIS export as a resident-records system writes it."""
    rng = random.Random(7)
    lines = ["宛名番号,氏名,氏名カナ,生年月日,性別,住所,電話番号,要介護度"]
    for n in range(rows):
        f = rng.randrange(len(FAMILY))
        given, kana, sex = rng.choice(GIVEN)
        year = rng.randint(1930, 1960)
        era, start = ERAS[0]
        born = f"{era}{year - start + 1}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
        address = f"東京都西東京市{rng.choice(towns)}{rng.randint(1, 6)}-{rng.randint(1, 30)}-1"
        phone = f"042-4{rng.randint(20, 69)}-{rng.randint(0, 9999):04d}".translate(WIDE)
        care = rng.choice(("要介護1", "要介護３", "要支援2", ""))
        lines.append(
            f"{9_000_000_000 + n},{FAMILY[f]} {given},{FAMILY_KANA[f]} {kana},"
            f"{born},{sex},{address},{phone},{care}"
        )
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="a PostgreSQL server to time on")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="roster-import-") as tmp:
        work = Path(tmp)
        bare_url, full_url = (target(args.database_url, work, name) for name in ("bare", "full"))
        towns = prepare(bare_url)
        prepare(full_url)
        csv_path = work / "export.csv"
        export(csv_path, args.rows, towns)
        bare = run(bare_url, csv_path, bare=True)
        full = run(full_url, csv_path, bare=False)
    heading = "## Eligibility import"
    text = (
        f"\n{heading}\n\n{args.rows:,} rows (Shift_JIS CSV, era dates, full-width "
        f"digits) into the demo database, measured by `bench/import_registrants.py` on "
        f"{database_name(bare_url)}:\n\n"
        f"| step | seconds |\n|---|---:|\n| bare bulk insert of the same rows | {bare:.1f} |\n"
        f"| import: read, parse, compare, insert, audit, commit | {full:.1f} |\n"
        f"| ratio | {full / bare:.2f}× (target under 4×) |\n"
    )
    print(text)
    if args.write:
        write_for_database(bare_url, heading, text)


def target(server: str | None, work: Path, name: str) -> str:
    """A fresh, empty database for one of the two runs."""
    if not server:
        return f"sqlite:///{work / name}.db"
    url = make_url(server)
    url = url.set(database=f"{url.database or 'bench'}_import_{name}")
    rendered = url.render_as_string(hide_password=False)
    fresh_postgresql(rendered)
    return rendered


def prepare(url: str) -> list[str]:
    """Migrate and load the demo's municipality, districts and users without registrants;
    the districts' names."""
    from alembic import command

    from roster.commands import alembic_config
    from roster.demo import load_demo
    from roster.passwords import hash_password

    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        command.upgrade(alembic_config(), "head")
        load_demo(db.session, registrants=1, seed=1, password_hash=hash_password("x"))
        db.session.execute(delete(Registrant))
        db.session.commit()
        towns = [d.name for d in db.session.query(District).all()]
        db.session.remove()
        db.engine.dispose()
    return towns


def run(url: str, csv_path: Path, bare: bool) -> float:
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        city = city_prefix()
        table = read_table(csv_path, filename=csv_path.name)
        parsed = parse_rows(table, Mapping(), today=date.today())
        plan = plan_import(db.session, parsed, city)
        assert plan.ok, plan.errors[:3]
        if bare:
            districts = {d.id: d for d in db.session.query(District).all()}
            rows = [_new_row(p, city, districts[p.district_id]) for p in plan.new]
            started = time.perf_counter()
            db.session.execute(insert(Registrant), rows)
            db.session.commit()
            elapsed = time.perf_counter() - started
            db.session.remove()
            db.engine.dispose()
            return elapsed
        started = time.perf_counter()
        table = read_table(csv_path, filename=csv_path.name)
        parsed = parse_rows(table, Mapping(), today=date.today())
        plan = plan_import(db.session, parsed, city)
        source = SourceFile.of(csv_path.name, csv_path.read_bytes())
        apply_import(db.session, plan, None, city, source)
        db.session.commit()
        elapsed = time.perf_counter() - started
    db.session.remove()
    db.engine.dispose()
    return elapsed


if __name__ == "__main__":
    main()
