"""The README's analyst examples run on the bundled corpus and give sensible answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import ROOT


def examples() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"<!-- example: ([\w-]+) -->\n```python\n(.*?)```", text, re.S))


def run(name: str, out: Path, limit: bool = True) -> object:
    code = examples()[name].replace('out = "data/out"', f"out = {str(out)!r}")
    if not limit:
        code = code.replace("limit 15", "")
    scope: dict[str, object] = {}
    exec(compile(code, f"README:{name}", "exec"), scope)  # noqa: S102 - our own README
    return scope["answer"]


def test_readme_has_four_examples() -> None:
    assert set(examples()) == {"targets-by-2020", "safeguard-share", "lead-agencies", "same-indicator"}


@pytest.mark.parametrize("name", ["targets-by-2020", "safeguard-share", "lead-agencies", "same-indicator"])
def test_example_runs(name: str, seed_tables: Path) -> None:
    import pandas as pd

    answer = run(name, seed_tables)
    if name == "targets-by-2020":
        assert len(answer) > 20
        assert (answer["year"] <= 2020).all()
        regions = set(answer.index.get_level_values(0))
        assert {"甘肃省", "河南省", "娄底市"} <= regions  # 婁底市 in the source, traditional script
    elif name == "same-indicator":
        # One key, several documents and regions, and more than one wording or script of it.
        assert answer.doc_id.nunique() >= 2 and answer.region.nunique() >= 2
        assert (answer.unit == "%").all() and answer.year.notna().all()
        targets = pd.read_parquet(seed_tables / "targets.parquet")
        key = targets[targets.indicator.isin(answer.indicator)].indicator_key.unique()
        assert len(key) == 1 and (targets.indicator_key == key[0]).sum() == len(answer)
    elif name == "safeguard-share":
        df = answer.to_pandas()
        assert len(df) == 5 and df.safeguard_share.between(0, 1).all()
        clauses = pd.read_parquet(seed_tables / "clauses.parquet")
        loudi = clauses[clauses.doc_id == "loudi-2017-quality-city"]
        expected = (loudi.label == "safeguard").mean()
        assert df.set_index("doc_id").safeguard_share["loudi-2017-quality-city"] == pytest.approx(expected)
    else:
        assert len(answer) == 15
        assert answer.provisions.is_monotonic_decreasing
        # From the original-script column: Loudi (traditional script) writes 市發改委 and
        # 市財政局; the answer counts them with 市发改委 / 市财政局 of the other documents.
        clauses = pd.read_parquet(seed_tables / "clauses.parquet").explode("lead_agencies")
        clauses = clauses[clauses.provision_id.notna()]
        led = {a: set(zip(g.doc_id, g.provision_id, strict=True))
               for a, g in clauses.groupby("lead_agencies")}
        counts = dict(zip(answer.agency, answer.provisions, strict=True))
        assert led.get("市發改委") and "市發改委" not in counts
        assert counts["市发改委"] == len(led["市發改委"] | led.get("市发改委", set()))
        assert led.get("市財政局") and led.get("市财政局")  # both spellings in the seeds
        full = duckdb_counts(seed_tables)
        assert full["市财政局"] == len(led["市財政局"] | led["市财政局"]) and "市財政局" not in full


def duckdb_counts(out: Path) -> dict[str, int]:
    """The lead-agencies example's counts, every agency (not only the top 15)."""
    df = run("lead-agencies", out, limit=False)
    return dict(zip(df.agency, df.provisions, strict=True))  # type: ignore[attr-defined]
