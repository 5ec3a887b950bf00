"""Probe sentences (``annotations/sentences/``): single clauses written from the guide alone by a
separate session, split into a dev half (odd ids; its errors may be read) and a test half (even
ids; scored once, never read). The scripts that score them share this: the command line, the
half, and the figures file that keeps each half's result."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def probe_arguments(description: str) -> argparse.ArgumentParser:
    """``half`` (dev|test), ``--errors`` (refused on the test half) and ``--out``."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("half", choices=["dev", "test"])
    ap.add_argument("--errors", action="store_true", help="print the misses (dev half only)")
    ap.add_argument("--out", type=Path, default=None, help="JSON file of figures, one entry per half")
    return ap


def parse_probe_arguments(ap: argparse.ArgumentParser) -> argparse.Namespace:
    """The parsed arguments; ``--errors`` on the test half is an error (it is scored, not read)."""
    args = ap.parse_args()
    if args.errors and args.half == "test":
        ap.error("the test half is scored, not read")
    return args


def read_half(path: Path, half: str) -> list[dict[str, Any]]:
    """The rows of one half: odd ids (``p001``, ``t001``) are dev, even ids test."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if (int(r["id"][1:]) % 2 == 1) == (half == "dev")]


def save_half(out: Path, half: str, result: dict[str, Any]) -> None:
    """Write ``result`` under ``half`` in ``out``, keeping the other half's entry."""
    prior = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    prior[half] = result
    out.write_text(json.dumps(prior, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
