"""PostgreSQL: pg_dump in custom format inside one exported snapshot, and pg_restore."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import URL, Engine, make_url, text
from tqdm import tqdm

from .manifests import BackupError, Facts, create_private, read_facts


def find_tool(name: str, bin_dir: str) -> str:
    """pg_dump or pg_restore: from backup.pg_bin_dir if set, else from the PATH."""
    if bin_dir:
        path = Path(bin_dir) / name
        if not os.access(path, os.X_OK):
            raise BackupError(f"{path} is not an executable {name} (see backup.pg_bin_dir)")
        return str(path)
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not on the PATH: install the PostgreSQL client tools "
            "(Debian: apt install postgresql-client) or set backup.pg_bin_dir"
        )
    return found


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """The database as libpq names it, and an environment holding the password, so that the
    password never shows in the process list."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return plain.render_as_string(hide_password=False), env


def dump(engine: Engine, url: str, dump_file: Path, bin_dir: str) -> tuple[Facts, str, int]:
    """Dump the snapshot that the facts are read in; return the facts, SHA-256 and size."""
    pg_dump = find_tool("pg_dump", bin_dir)
    target, env = libpq_target(url)
    create_private(dump_file)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            facts = read_facts(conn)
            digest, size = _run_dump(
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--dbname={target}"],
                env,
                dump_file,
            )
    return facts, digest, size


def _run_dump(command: list[str], env: dict[str, str], dump_file: Path) -> tuple[str, int]:
    """Stream pg_dump's output into the file, hashing it on the way."""
    digest, size = hashlib.sha256(), 0
    # The command is the configured pg_dump with fixed arguments: no shell, no user input.
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603
    with proc, open(dump_file, "wb") as out, tqdm(
        desc="backup", unit="B", unit_scale=True, disable=None
    ) as bar:
        assert proc.stdout is not None and proc.stderr is not None
        for chunk in iter(lambda: proc.stdout.read(1 << 20), b""):  # type: ignore[union-attr]
            out.write(chunk)
            digest.update(chunk)
            size += len(chunk)
            bar.update(len(chunk))
        errors = proc.stderr.read().decode(errors="replace").strip()
    if proc.returncode != 0:
        raise BackupError(f"pg_dump failed: {errors}")
    return digest.hexdigest(), size


def clear_schema(engine: Engine) -> None:
    """Drop everything in the public schema: only for --replace, or when it holds no rows."""
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def restore(dump_file: Path, url: str, bin_dir: str) -> None:
    """Restore the dump in one transaction: it all arrives, or nothing does."""
    pg_restore = find_tool("pg_restore", bin_dir)
    target, env = libpq_target(url)
    command = [pg_restore, "--exit-on-error", "--single-transaction", f"--dbname={target}"]
    with tqdm(desc="restore", total=1, disable=None) as bar:
        done = subprocess.run(  # noqa: S603
            [*command, str(dump_file)], env=env, capture_output=True, text=True, check=False
        )
        bar.update(1)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
