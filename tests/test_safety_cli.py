"""`roster safety start | status | end`: acting as a named staff account, one clear sentence
and a failing exit code for every refusal."""

from __future__ import annotations

from sqlalchemy import func, select

from roster.models import AuditEvent, ReportMethod, SafetyOperation, SafetyStatus
from roster.safety.operations import ReportEntry, record_report
from roster.viewer import viewer_of


def operations(db):
    return db.scalar(select(func.count(SafetyOperation.id)))


def start(runner, world, *extra, user="t_staff"):
    codes = ",".join(d.code for d in world["districts"])
    return runner.invoke(args=["safety", "start", "--name", "CLI安否確認", "--disaster", "地震",
                               "--districts", codes, "--as", user, *extra])


def test_staff_start_an_operation_over_districts_and_it_is_audited(db, runner, world):
    result = start(runner, world)
    assert result.exit_code == 0, result.output
    operation = db.scalars(select(SafetyOperation)).one()
    assert operation.name == "CLI安否確認" and operation.running
    assert [d.id for d in operation.districts] == sorted(d.id for d in world["districts"])
    assert operation.started_by.username == "t_staff"
    assert f"started safety operation {operation.id}" in result.output
    assert db.scalar(select(AuditEvent.action).where(AuditEvent.action == "safety.start"))


def test_starting_as_anyone_but_active_staff_is_refused(db, runner, world):
    for user in ("t_partner", "t_planner", "t_admin", "nobody"):
        result = start(runner, world, user=user)
        assert result.exit_code != 0
        assert f"'{user}' is not an active staff account." in result.output
    assert operations(db) == 0


def test_bad_areas_are_refused_with_one_sentence(db, runner, world):
    cases = [
        (["--districts", "NOPE"], "No district has the code NOPE."),
        (["--min-rank", "2"], "--min-rank and --landslide need --hazard-layer."),
        (["--hazard-layer", "1"], "--hazard-layer needs either --min-rank or --landslide."),
        (["--release", "99999"], "There is no disaster-time release 99999."),
    ]
    for extra, message in cases:
        result = start(runner, world, *extra)
        assert result.exit_code != 0 and message in result.output, result.output
    result = runner.invoke(args=["safety", "start", "--name", "x", "--disaster", "x",
                                 "--as", "t_staff"])
    assert result.exit_code != 0
    assert "Choose the districts or the areas of a hazard layer" in result.output
    assert operations(db) == 0


def test_status_prints_counts_by_status_and_district_in_japanese(db, runner, world):
    start(runner, world)
    operation = db.scalars(select(SafetyOperation)).one()
    staff = viewer_of(world["users"]["staff"], db)
    entry = ReportEntry(status=SafetyStatus.NEEDS_HELP, method=ReportMethod.PHONE)
    record_report(db, staff, operation, world["consenting"].id, entry)
    result = runner.invoke(args=["safety", "status", str(operation.id)])
    assert result.exit_code == 0, result.output
    a, b = world["districts"]
    assert "合計 4人: 未確認 3, 要支援 1" in result.output
    assert f"{a.name}（{a.code}） 3人: 未確認 2, 要支援 1" in result.output
    assert f"{b.name}（{b.code}） 1人: 未確認 1" in result.output
    assert "実施中" in result.output
    assert world["consenting"].name not in result.output


def test_end_ends_once_and_says_so_the_second_time(db, runner, world):
    start(runner, world)
    operation = db.scalars(select(SafetyOperation)).one()
    result = runner.invoke(args=["safety", "end", str(operation.id), "--as", "t_staff"])
    assert result.exit_code == 0, result.output
    db.refresh(operation)
    assert operation.ended_at is not None
    again = runner.invoke(args=["safety", "end", str(operation.id), "--as", "t_staff"])
    assert again.exit_code != 0
    assert f"Safety operation {operation.id} has already ended." in again.output
    refused = runner.invoke(args=["safety", "end", str(operation.id), "--as", "t_partner"])
    assert refused.exit_code != 0


def test_an_unknown_operation_is_named(runner, world):
    for args in (["status", "4242"], ["end", "4242", "--as", "t_staff"]):
        result = runner.invoke(args=["safety", *args])
        assert result.exit_code != 0
        assert "There is no safety operation 4242." in result.output


def test_staff_start_an_operation_over_a_hazard_layers_flood_areas(db, runner, world):
    from roster.models import HazardKind, HazardLayer

    layer = HazardLayer(kind=HazardKind.FLOOD, name="洪水", crs="EPSG:6677")
    db.add(layer)
    db.flush()
    result = runner.invoke(args=["safety", "start", "--name", "浸水", "--disaster", "大雨",
                                 "--hazard-layer", str(layer.id), "--min-rank", "2",
                                 "--as", "t_staff"])
    assert result.exit_code == 0, result.output
    operation = db.scalars(select(SafetyOperation)).one()
    assert operation.hazard_layer_id == layer.id and operation.min_flood_rank == 2
    assert operation.districts == [] and not operation.every_landslide_zone
    both = runner.invoke(args=["safety", "start", "--name", "x", "--disaster", "x",
                               "--hazard-layer", str(layer.id), "--min-rank", "2",
                               "--landslide", "--as", "t_staff"])
    assert both.exit_code != 0
    assert "--hazard-layer needs either --min-rank or --landslide." in both.output
