"""The indicator catalogue: normalisation, grouping, stable keys, and the table in ingest.

Expected groupings are written here from the annotation guide and the indicator gold's
rules (annotations/indicators/GUIDE.md), not read off the code.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.targets.indicators import Catalogue, catalogue_rows, normalise_indicator, unit_family
from tests.conftest import CORPUS

# fmt: off
NORMALISED = [
    ("全省工业产品质量监督抽查合格率", "工业产品质量监督抽查合格率"),
    ("產品質量監督抽查合格率", "产品质量监督抽查合格率"),
    ("新增高新技术企业", "高新技术企业"),
    ("“甘肃名牌产品”", "甘肃名牌产品"),
    ("主要工业产品质量国家监督抽查合格率", "工业产品质量国家监督抽查合格率"),
    ("全市累计培育省级专精特新企业", "省级专精特新企业"),
    ("新建数据中心能源利用效率（PUE）", "数据中心能源利用效率"),
    ("通过国家数字化转型新型能力评估的企业", "通过国家数字化转型新型能力评估企业"),
]
FAMILIES = [("%", "share"), ("％", "share"), ("个百分点", "points"), ("家", "count"), ("個", "count"),
            ("元", "money"), ("倍", "times"), ("吨", "measure:吨"), ("人次", "count"), (None, "none")]
SAME = [  # (indicator, unit, document) pairs an analyst wants in one group
    (("工业产品质量监督抽查合格率", "%", "a"), ("全省工业产品质量监督抽查合格率", "%", "b")),
    (("工业产品质量监督抽查合格率", "%", "a"), ("工業產品質量監督抽查合格率", "%", "b")),
    (("高新技术企业", "家", "a"), ("新增高新技术企业", "家", "b")),
    (("规上工业企业实施技术改造", "家", "a"), ("实施技术改造的规上工业企业", "家", "b")),
    (("重点工业产品质量监督抽查合格率", "%", "a"), ("工业产品质量监督抽查合格率", "%", "b")),
]
APART = [  # what makes indicators different stays apart
    (("食品抽检合格率", "%", "a"), ("工业产品监督抽查合格率", "%", "b")),
    (("高新技术企业", "家", "a"), ("高新技术企业", "%", "b")),           # a count is not a share
    (("国家级质检中心", "个", "a"), ("省级质检中心", "个", "b")),
    (("主导和参与制订国际标准", "个", "a"), ("主导和参与制订国家标准", "个", "b")),
    (("5A级景区", "个", "a"), ("4A级景区", "个", "b")),
    (("新城水功能区水质达标率", "%", "a"), ("水功能区水质达标率", "%", "b")),  # another population
    (("地区生产总值", "元", "a"), ("地区生产总值增速", "%", "b")),
]
# fmt: on


@pytest.mark.parametrize("text,want", NORMALISED)
def test_normalise(text, want):
    assert normalise_indicator(text) == want


@pytest.mark.parametrize("unit,family", FAMILIES)
def test_unit_family(unit, family):
    assert unit_family(unit) == family


@pytest.mark.parametrize("a,b", SAME)
def test_same_quantity_one_key(a, b):
    cat = Catalogue()
    assert cat.place(*a) == cat.place(*b)


@pytest.mark.parametrize("a,b", APART)
def test_different_quantities_two_keys(a, b):
    cat = Catalogue()
    assert cat.place(*a) != cat.place(*b)


def test_keys_do_not_depend_on_the_order_of_the_input():
    triples = [p for pair in SAME + APART for p in pair]
    a = Catalogue().place_all(triples)
    b = Catalogue().place_all(list(reversed(triples)))
    assert a == list(reversed(b))


def test_keys_are_stable_when_the_catalogue_is_reloaded_and_grows():
    cat = Catalogue()
    first = cat.place_all([t for pair in SAME for t in pair])
    rows = catalogue_rows(cat, [{"indicator_key": k, "doc_id": "a", "year": 2025} for k in first])
    again = Catalogue.from_rows(rows)
    assert again.place_all([t for pair in SAME for t in pair]) == first  # a rerun
    new = again.place("全市工业产品质量监督抽查合格率", "%", "c")  # a new document's wording
    assert new == first[0]
    assert again.place("城市污水处理率", "%", "c") not in first  # a new indicator: a new key
    assert again.place_all([t for pair in SAME for t in pair]) == first  # old keys unchanged


# --- in ingest --------------------------------------------------------------------------------

SHARED_DOCS = ("gansu-2017-consumer-goods-quality", "henan-2017-quality-brand-interpretation",
               "loudi-2017-quality-city")


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    from pipeline.ingest import Engine, ingest

    root = tmp_path_factory.mktemp("indicators")
    inbox = root / "inbox"
    inbox.mkdir()
    for d in SHARED_DOCS[:2]:
        shutil.copy(CORPUS / f"{d}.txt", inbox)
    out = root / "out"
    engine = Engine(use_classifier=False)
    ingest([inbox], out, engine=engine)
    before = _keys(out)
    shutil.copy(CORPUS / f"{SHARED_DOCS[2]}.txt", inbox)  # a new document arrives
    ingest([inbox], out, engine=engine)
    after = _keys(out)
    return out, before, after


def _keys(out: Path) -> dict:
    t = pq.read_table(out / "targets.parquet").to_pylist()
    return {(r["doc_id"], r["start"]): r["indicator_key"] for r in t}


def test_every_target_has_a_key_and_the_catalogue_counts_them(two_runs):
    out, _, after = two_runs
    assert after and all(k for k in after.values())
    ind = pq.read_table(out / "indicators.parquet").to_pylist()
    by_key = {r["indicator_key"]: r for r in ind}
    assert set(after.values()) <= set(by_key)
    assert sum(r["n_targets"] for r in ind) == len(after)
    assert any(r["n_documents"] >= 2 for r in ind)  # these seeds share indicators


def test_keys_survive_a_new_document(two_runs):
    _, before, after = two_runs
    assert before and all(after[k] == v for k, v in before.items())
