"""Numeric targets on text no rule was written from: tables of hand-written sentences with
the targets the guide gives them (expected records written here, not taken from the code).

Classes: past facts are not targets; deadlines come from the clause, its headings, its
goals lead, the plan period, the document's year or a table header (``year_source``);
indicator tables in text, markdown, HTML and DOCX; open-vocabulary units; list bullets,
markdown marks, full-width forms, stray spaces and a missing final 。; number forms of the
Recognizers-Text peer suite inside target sentences. Hypothesis properties close it.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.settings import get_settings
from pipeline.targets.document import extract_document_targets
from pipeline.targets.nlp import load_nlp
from pipeline.text.read import read_document
from pipeline.text.script import t2s
from pipeline.text.segment import segment

pytestmark = pytest.mark.skipif(
    not (get_settings().tokenizer_dir / "tokenizer").exists(),
    reason="the pkuseg tokenizer is not provisioned (make models)",
)
KEYS = ("indicator", "value", "value_max", "unit", "comparator", "kind", "year", "per_year")


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def doc_targets(nlp, text: str, title: str | None = None, doc_year: int | None = None) -> list[dict]:
    return extract_document_targets(nlp, segment(text).clauses, title, doc_year=doc_year, text=text)


def brief(ts: list[dict]) -> list[tuple]:
    return [tuple(t[k] for k in KEYS) for t in ts]


def T(indicator, value, unit, comparator="=", kind="level", year=None, per_year=False, value_max=None):
    return (indicator, value, value_max, unit, comparator, kind, year, per_year)


# --- past facts (guide rule 1, addendum B4/E4) ---------------------------------------------
# fmt: off
PAST = [
    # (document text, document year): every number reports the past
    ("2023年，全省规模以上工业增加值增长6.2%。", 2024),
    ("去年全市新增高新技术企业500家。", 2024),
    ("过去五年，累计建成5G基站3.2万个。", 2024),
    ("截至2022年底，全市已建成充电桩1.2万个。", 2023),
    ("全省数字经济核心产业增加值占GDP比重达到了7.8%。", 2022),
    ("5年来，粮食产量稳定在1.3万亿斤以上。", 2018),
    ("“十三五”时期，全市新增就业岗位50万个。", 2021),
    ("一、发展现状\n全市新增公园120座，森林覆盖率达到18%。", 2021),
    ("一、“十三五”时期发展成就\n（一）产业规模\n全市工业总产值突破4万亿元。", 2021),
    ("2020年，我国数字经济核心产业增加值占国内生产总值比重达到7.8%。光纤用户占比超过94%。", 2021),
    ("近年来，全市累计培育省级专精特新企业300家。", 2024),
    ("目前全省已有国家级质检中心12个。", 2017),
    # a past year opening without a comma, and every number of its sentence
    ("2022年全市完成固定资产投资同比增长10.2%，其中工业投资增长15%。", 2024),
    ("2023年3月全省新增市场主体12万户。", 2024),
    # a fact goes on after a comma with a bare noun and number (no verb of its own)
    ("全市已建成养老机构86家，床位1.5万张。", 2023),
    ("截至2023年底，全省已有国家级质检中心12个、检测机构300家，从业人员2万人。", 2023),
    # a span of years that ended before the document's year opens the sentence
    ("2018—2022年，全省规模以上工业增加值年均增长7.2%。", 2023),
    ("2016年至2020年，全市新增高新技术企业500家。", 2021),
    # a year in Chinese numerals is a year like any other
    ("二〇二二年，全市新增市场主体12万户。", 2024),
    # since a time that is behind the document: the plan period has begun, or N years back
    ("“十四五”以来，全省累计新增国家级专精特新企业120家。", 2024),
    ("十四五以来，全省新增高新技术企业500家。", 2023),
    ("近三年来，全市新增市场主体3万户。", 2024),
]
# Directional twins: the same facts as commitments are targets.
COMMITTED = [
    ("到2025年，全市新增公园120座。", 2024, [T("全市公园", 120, "座", kind="increase", year=2025)]),
    ("2025年，全市新增公园120座。", 2024, [T("全市公园", 120, "座", kind="increase", year=2025)]),
    ("2025年全市新增公园120座。", 2024, [T("全市公园", 120, "座", kind="increase", year=2025)]),
    ("到2025年，全省数字经济核心产业增加值占GDP比重达到10%。", 2022,
     [T("全省数字经济核心产业增加值占GDP比重", 10, "%", ">=", year=2025)]),
    ("力争全市累计培育省级专精特新企业300家。", 2024,
     [T("全市累计省级专精特新企业", 300, "家")]),  # 累计 defines the count (gold precedent)
    # without 已 the bare noun and number after the comma is a commitment like the first
    ("全市建成养老机构86家，床位1.5万张。", 2023,
     [T("全市养老机构", 86, "家"), T("床位", 15000, "张")]),
    # after a fact, an item with its own verb or deadline is read for itself
    ("全市已建成养老机构86家，到2025年床位达到2万张。", 2023,
     [T("床位", 20000, "张", ">=", year=2025)]),
    # a span of years still running is a plan, not a review; its last year is the deadline
    # (as ``十三五期间`` → 2020)
    ("2021—2025年，全市新增高新技术企业500家。", 2023,
     [T("全市高新技术企业", 500, "家", kind="increase", year=2025)]),
    # the plan period as a span, not as a starting point (以来); the next three years, not the last
    ("“十四五”期间，全省新增高新技术企业500家以上。", 2024,
     [T("全省高新技术企业", 500, "家", ">=", kind="increase", year=2025)]),
    ("近三年，全市新增市场主体3万户以上。", 2024,
     [T("全市市场主体", 30000, "户", ">=", kind="increase", year=2027)]),
]
# fmt: on


@pytest.mark.parametrize("text,year", PAST)
def test_past_facts_are_not_targets(nlp, text, year):
    assert doc_targets(nlp, text, doc_year=year) == []


@pytest.mark.parametrize("text,year,want", COMMITTED)
def test_the_same_numbers_as_commitments_are_targets(nlp, text, year, want):
    assert brief(doc_targets(nlp, text, doc_year=year)) == want


# --- deadlines and their source ------------------------------------------------------------
# fmt: off
YEARS = [
    # (text, title, document year, expected (year, year_source) of the one target)
    ("到2027年，全市高标准农田面积稳定在45万亩以上", None, 2024, (2027, "clause")),
    ("每年推动1000个左右技术改造项目建设，到2027年，投资累计突破万亿元。", None, 2024, (2027, "clause")),
    ("三、到2025年的主要目标\n全市公园达到1000座。", None, 2021, (2025, "heading")),
    ("一、发展目标\n到2025年，主要实现以下目标：\n产品质量合格率达到95%以上。", None, 2021, (2025, "goals_lead")),
    ("一、工作目标\n到2027年，实现合成生物食品创制重要突破。研制3—5种新食品原料。", None, 2025, (2027, "goals_lead")),
    ("全市新增公园120座。", "某市生态建设行动计划（2023—2025年）", 2023, (2025, "plan_period")),
    ("全市新增公园120座。", "某市“十四五”生态环境保护规划", 2021, (2025, "plan_period")),
    ("二、“十四五”时期主要任务\n（一）生态建设\n全市新增公园120座。", None, 2021, (2025, "heading")),
    ("今年全市新增就业岗位10万个。", None, 2024, (2024, "document_year")),
    ("年底前完成老旧小区改造100个。", None, 2023, (2023, "document_year")),
    ("明年建成社区食堂50个。", None, 2023, (2024, "document_year")),
    ("近3年内培育专精特新企业100家。", None, 2022, (2025, "document_year")),
    ("力争用3年时间，全省新增上市公司30家。", None, 2024, (2027, "document_year")),
    ("经过五年左右的努力，培育龙头企业20家。", None, 2024, (2029, "document_year")),
    ("单位GDP能耗较2020年下降13.5%。", "某省“十四五”节能减排综合工作方案", 2022, (2025, "plan_period")),
    ("全市新增公园120座。", None, 2024, (None, None)),
    ("到二〇二五年，全市新增公园120座。", None, 2023, (2025, "clause")),
    ("到二零二七年，全市新增公园120座。", None, 2024, (2027, "clause")),
]
# fmt: on


@pytest.mark.parametrize("text,title,year,want", YEARS)
def test_deadline_and_its_source(nlp, text, title, year, want):
    (t,) = doc_targets(nlp, text, title=title, doc_year=year)
    assert (t["year"], t["year_source"]) == want


# --- indicator tables, in every input format -----------------------------------------------
TABLE = [
    ["指标", "单位", "2020年", "2025年", "属性"],
    ["数字经济核心产业增加值占GDP比重", "%", "7.8", "10", "预期性"],
    ["数字基础设施"],
    ["千兆宽带用户数", "万户", "640", "6000", "预期性"],
    ["软件和信息技术服务业规模", "万亿元", "8.16", "14", "预期性"],
    ["工业互联网平台应用普及率（%）", "", "14.7", "≥45", "预期性"],
    ["单位GDP能耗下降", "%", "—", "13.5", "约束性"],
]
TABLE_WANT = [
    T("数字经济核心产业增加值占GDP比重", 10, "%", year=2025),
    T("千兆宽带用户数", 60000000, "户", year=2025),
    T("软件和信息技术服务业规模", 14000000000000, "元", year=2025),
    T("工业互联网平台应用普及率", 45, "%", ">=", year=2025),
    T("单位GDP能耗下降", 13.5, "%", kind="decrease", year=2025),
]
LEAD = "某市数字经济发展规划\n一、发展目标\n到2025年，数字经济迈向全面扩展期。\n专栏1　主要指标\n"
TAIL = "\n二、主要任务\n加快建设信息网络基础设施。\n"


def _markdown() -> str:
    rows = []
    for k, r in enumerate(TABLE):
        rows.append("| " + " | ".join(r) + " |")
        if k == 0:
            rows.append("|" + " --- |" * len(r))
    return "# 某市数字经济发展规划\n\n**一、发展目标**\n\n到2025年，数字经济迈向全面扩展期。\n\n" + "\n".join(rows) + TAIL


def _html() -> str:
    rows = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in TABLE)
    return ("<html><head><meta charset='utf-8'><title>某市数字经济发展规划</title></head><body>"
            "<h1>某市数字经济发展规划</h1><p>一、发展目标</p><p>到2025年，数字经济迈向全面扩展期。</p>"
            f"<table>{rows}</table><p>二、主要任务</p><p>加快建设信息网络基础设施。</p></body></html>")


def _docx() -> bytes:
    import docx

    d = docx.Document()
    for line in LEAD.strip().split("\n"):
        d.add_paragraph(line)
    table = d.add_table(rows=0, cols=5)
    for r in TABLE:
        cells = table.add_row().cells
        if len(r) == 1:
            cells[0].merge(cells[4]).text = r[0]
        else:
            for c, v in zip(cells, r, strict=True):
                c.text = v
    for line in TAIL.strip().split("\n"):
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "docx"])
def test_indicator_table_in_every_format(nlp, tmp_path: Path, fmt):
    if fmt == "text":  # plain text and PDF text: cells separated by runs of spaces
        body = LEAD + "\n".join("    ".join(r) if len(r) > 1 else r[0] for r in TABLE) + TAIL
        path = tmp_path / "plan.txt"
        path.write_text(body.replace("    \n", "\n"), encoding="utf-8")
    elif fmt == "markdown":
        path = tmp_path / "plan.md"
        path.write_text(_markdown(), encoding="utf-8")
    elif fmt == "html":
        path = tmp_path / "plan.html"
        path.write_text(_html(), encoding="utf-8")
    else:
        path = tmp_path / "plan.docx"
        path.write_bytes(_docx())
    doc = read_document(path)
    found = extract_document_targets(nlp, segment(doc.text).clauses, doc.title, doc_year=2021, text=doc.text)
    assert brief(found) == TABLE_WANT
    assert all(t["year_source"] == "table_header" for t in found)
    assert all(doc.text[t["start"]:t["end"]] == t["text"] for t in found)
    # Baselines (2020) are context: no 7.8, 640, 8.16 or 14.7 anywhere.
    assert not {7.8, 640, 8.16, 14.7} & {t["value"] for t in found}


def test_a_table_of_last_years_figures_is_not_a_target_table(nlp):
    text = "指标\t单位\t2022年\n地区生产总值\t亿元\t4500\n常住人口\t万人\t380\n"
    assert doc_targets(nlp, text, doc_year=2023) == []


# --- open vocabulary: measure words and compound units ------------------------------------
# fmt: off
UNITS = [
    ("年产商业卫星达到600颗。", T("年产商业卫星", 600, "颗", ">=")),
    ("新增路灯2000盏。", T("路灯", 2000, "盏", kind="increase")),
    ("集装箱吞吐量达到5000万标准箱。", T("集装箱吞吐量", 50000000, "标准箱", ">=")),
    ("能源消费总量控制在1.2亿吨标准煤以内。", T("能源消费总量", 120000000, "吨标准煤", "<=")),
    ("建成高标准农田10.75亿亩。", T("高标准农田", 1075000000, "亩")),
    ("年节电量达到1亿千瓦时。", T("年节电量", 100000000, "千瓦时", ">=")),
    ("接待游客达到1000万人次。", T("接待游客", 10000000, "人次", ">=")),
    ("研发经费投入强度提高0.5个百分点。", T("研发经费投入强度", 0.5, "个百分点", kind="increase")),
    ("每万人口高价值发明专利拥有量达到12件/万人。", T("每万人口高价值发明专利拥有量", 12, "件/万人", ">=")),
    ("新建污水管网500公里。", T("污水管网", 500, "公里", kind="increase")),
    ("婴儿死亡率控制在4‰以下。", T("婴儿死亡率", 4, "‰", "<=")),
]
# fmt: on


@pytest.mark.parametrize("text,want", UNITS)
def test_open_vocabulary_units(nlp, text, want):
    assert brief(doc_targets(nlp, text)) == [want]


# --- a full-width comma ends a number (the normal form folds it to ``,``, a digit separator) --
# fmt: off
COMMAS = [
    ("工业用水重复利用率提高到94%，万元工业增加值用水量下降16%。",
     [T("工业用水重复利用率", 94, "%", ">="), T("万元工业增加值用水量", 16, "%", kind="decrease")]),
    ("森林覆盖率达到30%，万人发明专利拥有量达到12件。",
     [T("森林覆盖率", 30, "%", ">="), T("万人发明专利拥有量", 12, "件", ">=")]),
    ("全市投资总额达到1，000亿元。", [T("全市投资总额", 100000000000, "元", ">=")]),
]
# fmt: on


@pytest.mark.parametrize("text,want", COMMAS)
def test_a_full_width_comma_ends_a_number(nlp, text, want):
    assert brief(doc_targets(nlp, text)) == want


# --- a threshold qualifies what is counted (guide §3: it stays in the indicator) ------------
# fmt: off
THRESHOLDS = [
    ("每年滚动实施500万元以上技改项目300个。",
     [T("500万元以上技改项目", 300, "个", per_year=True)]),
    ("到2027年，新增产值1000万元以上企业50家。",
     [T("产值1000万元以上企业", 50, "家", kind="increase", year=2027)]),
    ("建设100亿元以上产业集群3个、10亿元以上龙头企业20家。",
     [T("100亿元以上产业集群", 3, "个"), T("10亿元以上龙头企业", 20, "家")]),
    # directional twin: a comma ends the threshold's phrase, and both numbers are targets
    ("完成投资500万元以上，实施技改项目300个。",
     [T("投资", 5000000, "元", ">="), T("技改项目", 300, "个")]),
    # the bound written before the amount (超, 过) qualifies as 以上 after it does
    ("培育年营业收入超10亿元企业30家。", [T("年营业收入超10亿元企业", 30, "家")]),
    ("新增年产值超亿元企业20家。", [T("年产值超亿元企业", 20, "家", kind="increase")]),
    ("培育年营业收入超百亿元企业5家、超10亿元企业30家。",
     [T("年营业收入超百亿元企业", 5, "家"), T("超10亿元企业", 30, "家")]),
    # directional twin: an amount with 超过 and nothing counted after it is the target itself
    ("全市营业收入超过1000亿元。", [T("全市营业收入", 100000000000, "元", ">")]),
]
# fmt: on


# --- a change from a baseline to an end point: the end point is the target -----------------
# fmt: off
CHANGES = [
    ("全市公园数量由120座增加到200座。", 2024, [T("全市公园数量", 200, "座", ">=")]),
    ("森林覆盖率从2020年的23%提高到2025年的25%。", 2024, [T("森林覆盖率", 25, "%", ">=", year=2025)]),
    ("万人发明专利拥有量由2020年的8件提高到2025年的15件。", 2022,
     [T("万人发明专利拥有量", 15, "件", ">=", year=2025)]),
    ("单位GDP能耗由0.5吨标准煤下降到0.45吨标准煤。", 2024, [T("单位GDP能耗", 0.45, "吨标准煤", "<=")]),
    ("煤炭消费比重从37%下降至31%左右，非化石能源占比达到17.6%。", 2024,
     [T("煤炭消费比重", 31, "%", "~"), T("非化石能源占比", 17.6, "%", ">=")]),
    # a change measured against a base year after a level: the same indicator, not the base
    ("数字经济核心产业增加值占GDP比重达到10%，较2020年提高2.2个百分点。", 2022,
     [T("数字经济核心产业增加值占GDP比重", 10, "%", ">="),
      T("数字经济核心产业增加值占GDP比重", 2.2, "个百分点", kind="increase")]),
    ("较2020年提高2.2个百分点。", 2022, []),  # a base year alone names no indicator
    # directional twins: without 由/从 both numbers are read, each for itself
    ("全市公园120座，绿道200公里。", 2024, [T("全市公园", 120, "座"), T("绿道", 200, "公里")]),
    # a change in a review is the past (B4), its end point included
    ("过去五年，森林覆盖率由20%提高到23%。", 2024, []),
]
# fmt: on


# A share (占…比重) after its subject's own figure leaves the subject out; the indicator has it.
# fmt: off
SHARES = [
    ("到2025年，全省数字经济规模突破5万亿元，占GDP比重达到50%以上，年均增速保持在10%以上。", 2022,
     [T("全省数字经济规模", 5000000000000, "元", ">", year=2025),
      T("全省数字经济规模占GDP比重", 50, "%", ">=", year=2025),
      T("全省数字经济规模", 10, "%", ">=", kind="increase", year=2025, per_year=True)]),
    ("全市服务业增加值达到5000亿元，占地区生产总值比重提高2个百分点。", 2024,
     [T("全市服务业增加值", 500000000000, "元", ">="),
      T("全市服务业增加值占地区生产总值比重", 2, "个百分点", kind="increase")]),
    # the subject opens the sentence without a figure of its own
    ("到2025年，煤炭消费总量较2020年下降，占一次能源消费比重下降至30%左右。", 2022,
     [T("煤炭消费总量占一次能源消费比重", 30, "%", "~", year=2025)]),
    # invariance: a share written out in full is read as before
    ("数字经济核心产业增加值占GDP比重达到10%。", 2022, [T("数字经济核心产业增加值占GDP比重", 10, "%", ">=")]),
    # a verb opening the sentence is no subject
    ("加快发展数字经济，占GDP比重达到10%。", 2022, [T("占GDP比重", 10, "%", ">=")]),
]
# fmt: on


# An item that names only its level (省级, 国家级) shares the head of the item beside it.
# fmt: off
LEVELS = [
    ("建成国家级农业标准化示范区5个、省级20个。",
     [T("国家级农业标准化示范区", 5, "个"), T("省级农业标准化示范区", 20, "个")]),
    ("国家级和省级专精特新企业分别达到100家和1000家。",
     [T("国家级专精特新企业", 100, "家", ">="), T("省级专精特新企业", 1000, "家", ">=")]),
    ("培育国家级、省级、市级龙头企业分别达到10家、50家和200家。",
     [T("国家级龙头企业", 10, "家", ">="), T("省级龙头企业", 50, "家", ">="), T("市级龙头企业", 200, "家", ">=")]),
    # directional twin: items with heads of their own keep them
    ("建成国家级示范区5个、省级产业园20个。", [T("国家级示范区", 5, "个"), T("省级产业园", 20, "个")]),
]
# fmt: on


# An aside in brackets right after a number: the words after it are what is counted, and its
# own figures are read for themselves (with a level comparator of their own: kind level).
# fmt: off
ASIDES = [
    ("新建充电桩1万个（其中公共充电桩3000个）。",
     [T("充电桩", 10000, "个", kind="increase"), T("公共充电桩", 3000, "个", kind="increase")]),
    ("新增5G基站2万个（累计达到5万个）。",
     [T("5G基站", 20000, "个", kind="increase"), T("5G基站", 50000, "个", ">=")]),
    ("全市新增2400户（累计约3600户）大中型餐饮单位纳入监管平台。",
     [T("全市大中型餐饮单位纳入监管平台", 2400, "户", kind="increase")]),
    # invariance: a unit in brackets (个（套）) is still the unit; weights in brackets are no targets
    ("建成6个（套）国家级检测中心。", [T("国家级检测中心", 6, "个（套）")]),
    ("考评分值=日常监测（60%）+实地调研（20%）+民意调查（20%）。", []),
]
# fmt: on


# A unit written once for a list's items; a bound that narrows (缩小到, 压缩至) is `<=`.
# fmt: off
SHARED_UNITS = [
    ("关键工序数控化率、数字化研发设计工具普及率分别提高5个和8个百分点。",
     [T("关键工序数控化率", 5, "个百分点", kind="increase"),
      T("数字化研发设计工具普及率", 8, "个百分点", kind="increase")]),
    ("城乡居民收入比缩小到1.8以内。", [T("城乡居民收入比", 1.8, "", "<=")]),
    # directional twin: two counts with units of their own keep them
    ("培育龙头企业5家、示范基地8个。", [T("龙头企业", 5, "家"), T("示范基地", 8, "个")]),
]
# fmt: on


# A change against the year before (同比, 较上年) is a fact unless the item looks ahead: a
# bound after the number or a word of commitment (addendum F11); fractions are percentages
# (F12). (text, document year, expected targets)
# fmt: off
BASE_PERIOD = [
    ("2025年，全市单位地区生产总值能耗较上年下降3%左右。", 2025,
     [T("全市单位地区生产总值能耗", 3, "%", "~", kind="decrease", year=2025)]),
    ("今年全市规模以上工业增加值同比增长6%以上。", 2024,
     [T("全市规模以上工业增加值", 6, "%", ">=", kind="increase", year=2024)]),
    ("力争全年粮食产量比上年增长2%。", 2024, [T("粮食产量", 2, "%", kind="increase")]),
    ("預計全年地區生產總值同比增長5%左右。", 2024, [T("地區生產總值", 5, "%", "~", kind="increase")]),
    # directional twins: the same changes without a bound or a commitment report a fact
    ("全市规模以上工业增加值同比增长6.5%。", 2024, []),
    ("全年粮食产量比上年增长2%。", 2024, []),
]
FRACTIONS = [
    ("到2025年，规模以上工业企业研发机构覆盖率达到三分之一以上。", None,
     [T("规模以上工业企业研发机构覆盖率", 33.33, "%", ">=", year=2025)]),
    # invariance: the numeral form of a fraction
    ("到2025年，新能源汽车新车销量占比达到三分之二。", None,
     [T("新能源汽车新车销量占比", 66.67, "%", ">=", year=2025)]),
    ("到2025年，新能源汽车新车销量占比达到2/3。", None,
     [T("新能源汽车新车销量占比", 66.67, "%", ">=", year=2025)]),
    ("到2025年，婴儿死亡率控制在千分之五以下。", None, [T("婴儿死亡率", 0.5, "%", "<=", year=2025)]),
    # a fraction in a subsidy rule is no target (addendum B-series)
    ("对购置农机具的，按照不超过三分之二的比例给予补贴。", None, []),
]
TIME_MEASURES = [
    ("到2030年，人均预期寿命达到80岁。", None, [T("人均预期寿命", 80, "岁", ">=", year=2030)]),
    ("到2025年，人均预期寿命比2020年提高1岁左右。", None,
     [T("人均预期寿命", 1, "岁", "~", kind="increase", year=2025)]),
    ("到2030年，人均預期壽命達到八十歲左右。", None, [T("人均預期壽命", 80, "歲", "~", year=2030)]),
    ("到2025年，劳动年龄人口平均受教育年限达到11.5年。", None,
     [T("劳动年龄人口平均受教育年限", 11.5, "年", ">=", year=2025)]),
    # directional twins: an age that qualifies, a duration and a deadline are no quantities
    ("60岁以上老年人健康管理率达到70%。", None, [T("60岁以上老年人健康管理率", 70, "%", ">=")]),
    ("为3岁以下婴幼儿提供普惠托育服务。", None, []),
    ("用3年时间完成老旧小区改造。", None, []),
    # the 的 after a bound opens no indicator
    ("建设100个以上的示范村。", None, [T("示范村", 100, "个", ">=")]),
]
# fmt: on


# The forms of addendum F (stops 29 and 30), each table with its directional twins: (text, document
# year, expected targets).
FORMS_OUTSIDE_THE_CORPUS = (
    [("unit written once", t, None, w) for t, w in SHARED_UNITS] + [("aside", t, None, w) for t, w in ASIDES]
    + [("level only", t, None, w) for t, w in LEVELS] + [("share", t, y, w) for t, y, w in SHARES]
    + [("baseline", t, y, w) for t, y, w in CHANGES] + [("base period", t, y, w) for t, y, w in BASE_PERIOD]
    + [("fraction", t, y, w) for t, y, w in FRACTIONS] + [("time measure", t, y, w) for t, y, w in TIME_MEASURES]
)


@pytest.mark.parametrize("form,text,year,want", FORMS_OUTSIDE_THE_CORPUS)
def test_forms_met_outside_the_corpus(nlp, form, text, year, want):
    assert brief(doc_targets(nlp, text, doc_year=year)) == want, form


# Two items joined by 和/及 in one segment are two targets, as with 、 (invariance).
JOINED = [
    (f"建成5G基站1万个以上{j}充电桩3000个。", [T("5G基站", 10000, "个", ">="), T("充电桩", 3000, "个")])
    for j in ("、", "和", "及")
] + [("建成5G基站1万个和充电桩3000个", [T("5G基站", 10000, "个"), T("充电桩", 3000, "个")])]


@pytest.mark.parametrize("text,want", JOINED)
def test_items_joined_by_a_conjunction_are_each_a_target(nlp, text, want):
    assert brief(doc_targets(nlp, text)) == want


@pytest.mark.parametrize("text,want", THRESHOLDS)
def test_a_threshold_qualifies_the_counted_indicator(nlp, text, want):
    assert brief(doc_targets(nlp, text)) == want


# --- the same target whatever surrounds it --------------------------------------------------
BASE = T("全市高新技术企业", 500, "家", kind="increase")
# fmt: off
WRAPPED = [
    "全市新增高新技术企业500家。",
    "全市新增高新技术企业500家",
    "全市新增高新技术企业500家；",
    "——全市新增高新技术企业500家。",
    "—全市新增高新技术企业500家",
    "·全市新增高新技术企业500家",
    "•全市新增高新技术企业500家",
    "①全市新增高新技术企业500家",
    "（1）全市新增高新技术企业500家",
    "(2)全市新增高新技术企业500家；",
    "1.全市新增高新技术企业500家。",
    "全市新增高新技术企业５００家。",
    "全市新增高新技术企业五百家。",
    "全市新增 高新技术企业 500 家",
]
# fmt: on


@pytest.mark.parametrize("text", WRAPPED)
def test_bullets_numbers_and_spacing_do_not_change_the_target(nlp, text):
    assert brief(doc_targets(nlp, text)) == [BASE]


def test_markdown_marks_through_predict():
    from pipeline.predict import predict_text

    out = predict_text("**全市新增**高新技术企业500家", doc_year=2024)
    (clause,) = out["clauses"]
    assert "*" not in clause["text"]
    assert [(t["indicator"], t["value"], t["unit"], t["kind"]) for t in clause["targets"]] == \
        [("全市高新技术企业", 500, "家", "increase")]


def test_predict_finds_a_target_without_a_final_full_stop():
    from pipeline.predict import predict_text

    (clause,) = predict_text("到2027年，全市高标准农田面积稳定在45万亩以上", doc_year=2024)["clauses"]
    assert clause["label"] == "target"
    assert [(t["indicator"], t["value"], t["unit"], t["comparator"], t["year"]) for t in clause["targets"]] == \
        [("全市高标准农田面积", 450000, "亩", ">=", 2027)]


# --- number forms of the Recognizers-Text peer suite inside target sentences ---------------
# fmt: off
PEER_STYLE = [
    ("到2025年，产品质量合格率达到百分之九十五", T("产品质量合格率", 95, "%", ">=", year=2025)),
    ("到2025年，城镇新增就业岗位一百二十万个", T("城镇就业岗位", 1200000, "个", kind="increase", year=2025)),
    ("到2025年，全市森林覆盖率达到二十点五%", T("全市森林覆盖率", 20.5, "%", ">=", year=2025)),
    ("到2025年，建成充电桩两千个", T("充电桩", 2000, "个", year=2025)),
    ("到2025年，粮食产量稳定在一千三百亿斤以上", T("粮食产量", 130000000000, "斤", ">=", year=2025)),
    ("到2025年，培育龙头企业三至五家", T("龙头企业", 3, "家", year=2025, value_max=5)),
    ("到2025年，每年新增绿地一点五万平方米", T("绿地", 15000, "平方米", kind="increase", year=2025, per_year=True)),
    ("到2025年，农作物耕种收综合机械化率达到９８％以上", T("农作物耕种收综合机械化率", 98, "%", ">=", year=2025)),
    ("到2025年，研发投入强度提高零点五个百分点", T("研发投入强度", 0.5, "个百分点", kind="increase", year=2025)),
    ("到2025年，服务业增加值占比达到百分之五十五左右", T("服务业增加值占比", 55, "%", "~", year=2025)),
    # tenths written with 成
    ("到2025年，水质优良比例达到九成以上", T("水质优良比例", 90, "%", ">=", year=2025)),
    ("到2025年，物流费用降低三成", T("物流费用", 30, "%", kind="decrease", year=2025)),
    ("到2025年，县域内就诊率不低于8成半", T("县域内就诊率", 85, "%", ">=", year=2025)),
]
# fmt: on


@pytest.mark.parametrize("text,want", PEER_STYLE)
@pytest.mark.parametrize("end", ["", "。"])
def test_peer_number_forms_in_targets_with_or_without_a_full_stop(nlp, text, want, end):
    assert brief(doc_targets(nlp, text + end)) == [want]


# --- properties ---------------------------------------------------------------------------
SENTENCES = [t for t, _ in UNITS] + WRAPPED[:3] + [t + "。" for t, _ in PEER_STYLE] + \
    [t for t, _, _ in COMMITTED]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(SENTENCES), st.sampled_from(["。", "；", ""]))
def test_target_text_is_inside_its_clause_and_the_end_mark_does_not_matter(nlp, sentence, end):
    text = sentence.rstrip("。；") + end
    clauses = segment(text).clauses
    found = extract_document_targets(nlp, clauses, None, doc_year=2024, text=text)
    for t in found:
        c = clauses[0]
        assert c.start <= t["start"] < t["end"] <= c.end and text[t["start"]:t["end"]] == t["text"]
    plain = extract_document_targets(nlp, segment(sentence).clauses, None, doc_year=2024, text=sentence)
    assert brief(found) == brief(plain)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(SENTENCES))
def test_traditional_script_gives_the_same_targets(nlp, sentence):
    from pipeline.text.script import converter

    trad = converter("s2t")(sentence)
    a = brief(doc_targets(nlp, sentence, doc_year=2024))
    b = [tuple(t2s(x) if isinstance(x, str) else x for x in r) for r in brief(doc_targets(nlp, trad, doc_year=2024))]
    assert a == b


# A review opening a paragraph makes the paragraph the past until something looks ahead: a
# deadline, or the preamble's purpose sentence (guide rule 4, ``为…，现提出如下意见``).
REVIEW_THEN = [
    ("近年来，全市新增公园120座，但仍存在短板。为加快生态建设，现提出如下意见。", [True, False]),
    ("近年來，全市新增公園120座。為加快生態建設，特制定本方案。", [True, False]),
    # directional twin: without a purpose, the review goes on
    ("近年来，全市新增公园120座。全市绿道长度200公里。", [True, True]),
]


@pytest.mark.parametrize("text,want", REVIEW_THEN)
def test_a_purpose_sentence_ends_the_review_of_its_paragraph(nlp, text, want):
    past: list[bool] = []
    extract_document_targets(nlp, segment(text).clauses, None, doc_year=2024, text=text, past=past)
    assert past == want
