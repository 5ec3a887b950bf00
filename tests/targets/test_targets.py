"""The target recognizer (guide §3, addendum C/D) and the document API.

Expected records are read off the guide and the addendum, not off the code's output.
"""

from __future__ import annotations

import itertools

import pytest
import spacy
from hypothesis import HealthCheck, given, settings

from pipeline.provision import ModelMissingError
from pipeline.settings import get_settings
from pipeline.targets import (
    FIELDS,
    GATE_NORMALISED,
    NUMERAL_GATE,
    get_recognizer,
    has_numeral,
    normalise,
)
from pipeline.targets.document import extract_document_targets, title_year
from pipeline.targets.nlp import assemble, build_pipeline
from pipeline.targets.rules import _NUMERIC_TOKEN
from pipeline.text.numbers import _FOLD, parse_quantity
from pipeline.text.script import converter
from pipeline.text.segment import segment
from tests.conftest import CORPUS
from tests.strategies import any_text, policy_text

pytestmark = pytest.mark.skipif(
    not (get_settings().tokenizer_dir / "tokenizer").exists(),
    reason="the pkuseg tokenizer is not provisioned (make models)",
)


@pytest.fixture(scope="session")
def nlp():
    """The pipeline, assembled once per session (loading pkuseg costs a few seconds)."""
    return assemble()


def records(nlp, text: str) -> list[dict]:
    doc = nlp(text)
    return [{k: getattr(sp._, k) for k in FIELDS} for sp in doc.spans["targets"]]


def R(indicator, value, unit, comparator="=", kind="level", year=None, per_year=False, value_max=None):
    return {"indicator": indicator, "value": value, "value_max": value_max, "unit": unit,
            "comparator": comparator, "kind": kind, "year": year, "per_year": per_year}


# fmt: off
TARGETS = [
    # guide §3 table and examples
    ("到2020年,工业产品质量监督抽查合格率达到90%以上。",
     [R("工业产品质量监督抽查合格率", 90, "%", ">=", year=2020)]),
    ("新增省长质量奖10个以上", [R("省长质量奖", 10, "个", ">=", "increase")]),
    ("建成国家产业计量测试中心1-2个", [R("国家产业计量测试中心", 1, "个", value_max=2)]),
    ("力争注册商标总量达到7万件", [R("注册商标总量", 70000, "件", ">=")]),
    ("每年推进5-8家市级农业标准化示范区",
     [R("市级农业标准化示范区", 5, "家", per_year=True, value_max=8)]),
    ("农产品加工企业年产值过亿元企业50家", [R("年产值过亿元农产品加工企业", 50, "家")]),
    ("企业标准自我声明公开率达到百分之九十五。", [R("企业标准自我声明公开率", 95, "%", ">=")]),
    ("全市人均地区生产总值翻一番。", [R("全市人均地区生产总值", 2, "倍", kind="increase")]),
    # comparators (guide §3, C5, D2, D8)
    ("消费品省级监督抽查合格率稳定在90%以上", [R("消费品省级监督抽查合格率", 90, "%", ">=")]),
    ("规模以上消费品工业增加值占全省工业增加值的比重达到20%左右",
     [R("规模以上消费品工业增加值占全省工业增加值的比重", 20, "%", "~")]),
    ("确保新开工大中型工程项目质量监督覆盖率100%。",
     [R("新开工大中型工程项目质量监督覆盖率", 100, "%", "=")]),
    ("森林覆盖率超过30%。", [R("森林覆盖率", 30, "%", ">")]),
    ("主要污染物排放总量控制在100万吨以内。", [R("主要污染物排放总量", 1000000, "吨", "<=")]),
    ("县市区至少建立1个学生质量教育培训基地。",
     [R("县市区学生质量教育培训基地", 1, "个", ">=")]),
    ("研发新产品、新工艺、新品种120个左右。", [R("新产品、新工艺、新品种", 120, "个", "~")]),
    # kinds (guide §3, D1)
    ("单位地区生产总值能耗下降13.5%。", [R("单位地区生产总值能耗", 13.5, "%", kind="decrease")]),
    ("研发经费投入强度提高3个百分点。", [R("研发经费投入强度", 3, "个百分点", kind="increase")]),
    ("新培育“甘肃名牌产品”70个", [R("甘肃名牌产品", 70, "个", kind="increase")]),
    ("认定“驰名商标”20个", [R("驰名商标", 20, "个")]),
    # years (C1 a) and per_year
    ("“十三五”期间新增社会力量办医床位4500张。",
     [R("社会力量办医床位", 4500, "张", kind="increase", year=2020)]),
    ("2025年底前,重点行业清洁生产审核覆盖率达到100%。",
     [R("重点行业清洁生产审核覆盖率", 100, "%", ">=", year=2025)]),
    ("研发投入年均增长5%—8%。",
     [R("研发投入", 5, "%", kind="increase", per_year=True, value_max=8)]),
    ("培育区域品牌3至5个。", [R("区域品牌", 3, "个", value_max=5)]),
    # one number shared by two indicators (C6)
    ("城市污水处理率和生活垃圾无害化处理率均达到98%。",
     [R("城市污水处理率和生活垃圾无害化处理率", 98, "%", ">=")]),
    # several targets in one clause
    ("新增国家级质检中心5个以上、省级质检中心40个,组建省级专业标准化技术委员会5个,"
     "全社会公用计量标准总数达3500项。",
     [R("国家级质检中心", 5, "个", ">=", "increase"), R("省级质检中心", 40, "个", kind="increase"),
      R("省级专业标准化技术委员会", 5, "个"), R("全社会公用计量标准总数", 3500, "项", ">=")]),
    # full-width digits and signs
    ("合格率达到９５％以上。", [R("合格率", 95, "%", ">=")]),
    # traditional script: same reading, text as written
    ("到2020年,工業產品質量監督抽查合格率達到90%以上。",
     [R("工業產品質量監督抽查合格率", 90, "%", ">=", year=2020)]),
    ("新增省長質量獎10個以上", [R("省長質量獎", 10, "個", ">=", "increase")]),
    ("每年推進5-8家市級農業標準化示範區",
     [R("市級農業標準化示範區", 5, "家", per_year=True, value_max=8)]),
    ("力爭註冊商標總量達到7萬件", [R("註冊商標總量", 70000, "件", ">=")]),
    ("主導產品采標率90%以上。", [R("主導產品采標率", 90, "%", ">=")]),
    ("研發新產品、新工藝、新品種120個左右。", [R("新產品、新工藝、新品種", 120, "個", "~")]),
]

NON_TARGETS = [
    "甘政办发〔2017〕116号",                                  # document number
    "2017年7月7日",                                           # date of issue
    "发布日期:2017-07-13浏览量:1463次",                        # page debris
    "为贯彻落实《消费品标准和质量提升规划(2016—2020年)》,现提出如下实施意见。",  # plan period
    "将质量发展纳入经济社会发展“十三五”规划。",
    "充分发挥12365等投诉热线的作用,畅通质量投诉和消费维权渠道。",  # hotline
    "支持第三方机构运用GB/T29187-2012《品牌评价品牌价值评价要素》国家标准探索品牌价值发现机制。",
    "在基层市场监管所全面落实DB31/T1028-2016《市场监督管理所通用管理规范》系列地方标准。",
    "根据省政府第60次常务会议确定的改革整合要求,出台整合指导意见。",  # ordinal
    "积极创建国家5A级旅游景区。",                              # grade
    "以新材料、新能源、生物产业、信息技术等8个领域为重点,促进质量创新与升级。",  # scope count
    "督促建设、勘察、设计、施工、监理5方主体项目负责人落实质量终身责任。",
    "对产品质量国家和省级监督抽查合格的同一企业的同一规格型号产品,6个月内任何地方、部门和机构不得重复抽查。",
    "对获得中国质量奖的企业给予最高500万元奖励。",              # subsidy (B3)
    "对新认定的示范企业,每家补助50万元。",
    "2016年全省工业产品质量监督抽查合格率已达到85%。",          # the past (B4)
    "《实施意见》提出了六项主要任务。",
    "本项5分。",                                              # assessment points (B5)
    "甘肅省貫徹實施質量發展綱要2015年行動計畫",
    "對獲得中國質量獎的企業給予最高500萬元獎勵。",
]
# fmt: on


@pytest.mark.parametrize("text,expected", TARGETS)
def test_target_records(nlp, text, expected):
    assert records(nlp, text) == expected


@pytest.mark.parametrize("text", NON_TARGETS)
def test_non_targets(nlp, text):
    assert records(nlp, text) == []


def test_span_text_is_the_source(nlp):
    text = "新增省長質量獎10個以上,工業產品質量監督抽查合格率達到90%以上。"
    doc = nlp(text)
    assert [sp.text for sp in doc.spans["targets"]] == ["質量獎10個以上", "合格率達到90%以上"]
    for sp in doc.spans["targets"]:
        assert text[sp.start_char:sp.end_char] == sp.text


def test_tokens_keep_the_original_script(nlp):
    doc = nlp("主導產品采標率90%以上")
    assert doc.text == "主導產品采標率90%以上"
    assert "".join(t.norm_ for t in doc) == "主导产品采标率90%以上"


def test_normalise_keeps_length():
    for text in ("婁底市人民政府關于加快質量發展", "乾隆計畫", "３０％", "Ш類或優于Ш類"):
        assert len(normalise(text)) == len(text)


def test_round_trip_to_disk(nlp, tmp_path):
    out = build_pipeline(tmp_path / "policy-nlp")
    loaded = spacy.load(out)
    assert get_recognizer(loaded).rules == get_recognizer(nlp).rules
    assert loaded.config["nlp"]["tokenizer"]["@tokenizers"] == "policy_zh_t2s.v1"
    for text, expected in TARGETS[:6] + TARGETS[-4:]:
        assert records(loaded, text) == expected


def test_missing_tokenizer_raises(tmp_path):
    with pytest.raises(ModelMissingError, match="make models"):
        assemble(tmp_path / "nowhere")


# fmt: off
TITLES = [
    ("甘肃省人民政府办公厅关于贯彻落实消费品标准和质量提升规划(2016—2020年)的实施意见", 2020),
    ("甘肅省貫徹實施質量發展綱要2015年行動計畫", 2015),
    ("上海市加快推进绿色低碳转型行动方案（2024—2027年）", 2027),
    ("上海市生态环境保护“十四五”规划", 2025),
    ("婁底市人民政府關于加快質量發展建設質量強市的實施意見", None),
    (None, None),
]
# fmt: on


@pytest.mark.parametrize("title,year", TITLES)
def test_title_year(nlp, title, year):
    assert title_year(get_recognizer(nlp), title) == year


DOCUMENT = """关于加快质量发展的实施意见
一、主要目标
到2020年,主要实现如下质量发展目标:质量强市战略全面推进;
产品质量方面。重点工业产品监督抽查合格率94%以上。
(三)到2025年发展目标
新增省长质量奖10个以上。
二、主要任务
每年推进5-8家市级农业标准化示范区。
"""


def test_document_years_and_offsets(nlp):
    clauses = segment(DOCUMENT).clauses
    found = extract_document_targets(nlp, clauses, "某市质量提升行动计划(2021—2023年)")
    got = [(t["text"], t["year"], t["per_year"]) for t in found]
    # lead-in (C1 c), heading chain (C1 b), title period (C1 d)
    assert got == [("合格率94%以上", 2020, False), ("质量奖10个以上", 2025, False),
                   ("推进5-8家", 2023, True)]
    for t in found:
        assert DOCUMENT[t["start"]:t["end"]] == t["text"]
        assert clauses[t["clause_seq"]].start <= t["start"] < t["end"] <= clauses[t["clause_seq"]].end


def test_document_without_title_year(nlp):
    clauses = segment("二、主要任务\n每年推进5-8家市级农业标准化示范区。\n").clauses
    (t,) = extract_document_targets(nlp, clauses, None)
    assert t["year"] is None


def test_relative_deadline_counts_from_the_year_of_issue(nlp):
    clauses = segment("近5年内争创省长质量奖1项,市长质量奖10项。").clauses
    found = extract_document_targets(nlp, clauses, None, doc_year=2017)
    assert [(t["indicator"], t["value"], t["year"]) for t in found] == [
        ("省长质量奖", 1, 2022), ("市长质量奖", 10, 2022)]


def test_review_sections_report_the_past(nlp):
    text = "一、“十三五”时期的主要成效\n完成挥发性有机物治理3262家。\n"
    assert extract_document_targets(nlp, segment(text).clauses, None) == []


@given(any_text)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_component_never_raises(nlp, text):
    doc = nlp(text)
    for sp in doc.spans["targets"]:
        assert text[sp.start_char:sp.end_char] == sp.text


@given(policy_text)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_component_never_raises_on_policy_like_text(nlp, text):
    doc = nlp(text)
    for sp in doc.spans["targets"]:
        assert sp._.value is not None and sp._.indicator
        assert sp._.comparator in {">=", ">", "<=", "<", "~", "="}
        assert sp._.kind in {"level", "increase", "decrease"}


def test_split_tokens_do_not_break_the_string_store() -> None:
    """Regression: splitting ``一批`` into number + unit on a fresh vocabulary used to leave
    the new NORM strings out of the StringStore (spaCy E018 when a rule read them)."""
    import spacy

    from pipeline.targets.document import extract_document_targets
    from pipeline.targets.nlp import default_out_dir
    from pipeline.text.segment import segment as seg

    nlp = spacy.load(default_out_dir())  # a fresh vocabulary, as a new process has
    clauses = seg("形成一批品牌形象突出、質量水平一流、具有婁底特色的現代企業和產業集群,質量工作綜合實力進入全省二類地區領先行列;").clauses
    assert extract_document_targets(nlp, clauses, None) == []


# --- the numeral gate: pkuseg and the component run only on clauses that can hold a target


def test_gate_covers_every_character_that_normalises_to_a_numeral():
    """Every raw character whose matching form (t2s, fold) is a numeral, % or 翻 passes the gate."""
    assert all(NUMERAL_GATE.fullmatch(ch) for ch in GATE_NORMALISED)
    conv = converter()
    candidates = {chr(c) for c in _FOLD} | {k for g in conv._groups for d in g for k in d.entries if len(k) == 1}
    for ch in sorted(candidates):
        if any(n in GATE_NORMALISED for n in normalise(ch)):
            assert has_numeral(ch), ch
    for group in conv._groups:  # phrases: the character at each position of the phrase
        for d in group:
            for key in d.entries:
                if len(key) > 1 and len(normalise(key)) == len(key):
                    for raw, n in zip(key, normalise(key), strict=True):
                        assert n not in GATE_NORMALISED or has_numeral(raw), key
    # The numeric-token characters left out of the gate cannot make a quantity on their own.
    numeric_class = _NUMERIC_TOKEN.pattern.split("[", 2)[2].split("]", 1)[0]
    rest = [ch for ch in numeric_class.replace("0-9", "").replace("０-９", "") if ch not in GATE_NORMALISED
            and not NUMERAL_GATE.fullmatch(ch)]
    assert "点" in rest and "." in rest and "一" not in rest
    for n in range(1, 4):
        for combo in itertools.product(rest, repeat=n):
            assert parse_quantity("".join(combo)) is None, combo


def test_clauses_without_a_numeral_have_no_targets(nlp):
    """On the corpus, the ungated pipeline finds no target in a clause the gate skips."""
    skipped = [c.text for p in sorted(CORPUS.glob("*.txt"))
               for c in segment(p.read_text(encoding="utf-8")).clauses if not has_numeral(c.text)]
    assert len(skipped) > 1000
    assert [t for t, d in zip(skipped, nlp.pipe(skipped), strict=True) if d.spans["targets"]] == []


@given(policy_text)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_gate_never_hides_a_target(nlp, text):
    if nlp(text).spans["targets"]:
        assert has_numeral(text)


def test_tag_predicates_match_like_the_extension_getters(nlp):
    """The component matches ``{"_": {"num_like": true}}`` as a TAG it writes itself
    (speed); a Matcher on the written-out getters finds the same matches on the corpus."""
    from spacy.matcher import Matcher

    from pipeline.targets.rules import _set_numeric_tags

    rec = get_recognizer(nlp)
    by_getter = Matcher(nlp.vocab)
    n_ext = 0
    for label, rule_id, pattern in rec.rules.resolved_patterns():
        n_ext += sum(1 for t in pattern if "_" in t)
        by_getter.add(f"{label}|{rule_id}", [pattern], greedy="LONGEST")
    assert n_ext > 10  # the rules do use the getters
    texts = [c.text for p in sorted(CORPUS.glob("*.txt"))[:6]
             for c in segment(p.read_text(encoding="utf-8")).clauses if has_numeral(c.text)]
    n_matches = 0
    for text in texts:
        doc = nlp.make_doc(text)
        rec._split_merged(doc)
        _set_numeric_tags(doc)
        want = sorted(by_getter(doc))
        assert sorted(rec.matcher(doc)) == want, text
        n_matches += len(want)
        for t in doc:
            assert (t.tag_ == "NUM") == t._.num_like and (t.tag_ == "PCT") == t._.pct_like
    assert n_matches > 100


def test_split_memo_follows_the_rules(nlp, tmp_path):
    """Split points are memoised per norm; new rules (other units) start a new memo."""
    import shutil

    from pipeline.targets import RULES_DIR, Rules, TargetRecognizer

    text = "新增1处"
    assert [t.text for t in nlp.make_doc(text)] == ["新增", "1处"]  # pkuseg keeps them together
    rec = TargetRecognizer(nlp)
    doc = nlp.make_doc(text)
    rec._split_merged(doc)
    assert [(t.text, t.norm_) for t in doc] == [("新增", "新增"), ("1", "1"), ("处", "处")]
    rules_dir = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules_dir)
    rules = Rules.load(rules_dir)
    assert "处" in rules.vocab["units"]
    rules.vocab["units"] = [u for u in rules.vocab["units"] if u != "处"]
    rec.set_rules(rules)
    doc = nlp.make_doc(text)
    rec._split_merged(doc)
    assert [t.text for t in doc] == ["新增", "1处"]
