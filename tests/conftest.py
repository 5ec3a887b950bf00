"""Shared test set-up: no telemetry, paths to the bundled corpus and gold."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# No network beyond loopback in tests and CI.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
ANNOTATIONS = ROOT / "annotations"
SEED_IDS = (
    "gansu-2017-consumer-goods-quality",
    "henan-2017-quality-brand-interpretation",
    "gansu-2015-quality-action-plan",
    "shanghai-2017-consumer-goods-quality",
    "loudi-2017-quality-city",
)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One temporary Prefect server for all flow unit tests, with fresh home and result
    storage so no cached task result leaks from an earlier session."""
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    os.environ["PREFECT_RESULTS_LOCAL_STORAGE_PATH"] = str(home / "storage")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def seed_tables(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The five seed documents ingested with the full engine (labels and targets)."""
    from pipeline.ingest import ingest

    out = tmp_path_factory.mktemp("seed-tables")
    summary = ingest([CORPUS / f"{d}.txt" for d in SEED_IDS], out)
    assert summary.new == 5 and summary.failed == 0, summary.failures
    return out
