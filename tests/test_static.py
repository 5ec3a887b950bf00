"""Static checks run by the test suite, so CI keeps the code ruff- and mypy-clean
(the same commands as ``make lint``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_clean() -> None:
    r = _run(str(BIN / "ruff"), "check", "pipeline", "flows", "tests")
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.slow
def test_mypy_clean() -> None:
    r = _run(str(BIN / "mypy"), "pipeline", "flows")
    assert r.returncode == 0, r.stdout + r.stderr
