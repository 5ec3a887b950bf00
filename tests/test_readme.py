"""The README's analyst examples run on the bundled corpus and give sensible answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import ROOT


def examples() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"<!-- example: ([\w-]+) -->\n```python\n(.*?)```", text, re.S))


def run(name: str, out: Path) -> object:
    code = examples()[name].replace('out = "data/out"', f"out = {str(out)!r}")
    scope: dict[str, object] = {}
    exec(compile(code, f"README:{name}", "exec"), scope)  # noqa: S102 - our own README
    return scope["answer"]


def test_readme_has_three_examples() -> None:
    assert set(examples()) == {"targets-by-2020", "safeguard-share", "lead-agencies"}


@pytest.mark.parametrize("name", ["targets-by-2020", "safeguard-share", "lead-agencies"])
def test_example_runs(name: str, seed_tables: Path) -> None:
    import pandas as pd

    answer = run(name, seed_tables)
    if name == "targets-by-2020":
        assert len(answer) > 20
        assert (answer["year"] <= 2020).all()
        regions = set(answer.index.get_level_values(0))
        assert {"甘肃省", "河南省", "婁底市"} <= regions
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
        assert answer.agency.iloc[0] in {"省質監局", "市質監局", "市质量技监局"}
