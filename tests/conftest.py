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
