"""`make run` on a port in use stops at once with one clear sentence, instead of gunicorn
retrying "Connection in use" for ever."""

from __future__ import annotations

import os
import pathlib
import shutil
import socket
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


MAKE = shutil.which("make")


@pytest.mark.skipif(MAKE is None, reason="needs make")
def test_make_run_on_a_port_in_use_says_so_and_stops():
    assert MAKE is not None
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [MAKE, "-s", "run"], cwd=ROOT, capture_output=True, text=True, timeout=120,
            env={**os.environ, "ROSTER_PORT": str(port)},
        )
    assert result.returncode != 0
    assert f"ポート {port} は使用中です。ROSTER_PORT=5001 make run のように" in result.stdout
    assert f"Port {port} is in use." in result.stdout
    assert "Connection in use" not in result.stdout + result.stderr
    assert "db upgrade" not in result.stdout
