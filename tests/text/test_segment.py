"""Clause segmentation (guide §1): boundaries, headings, heading chains, responsibility notes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.text.segment import heading_marker, parse_agencies, segment
from tests.strategies import document_text


def texts(s: str) -> list[str]:
    return [c.text for c in segment(s).clauses]


# fmt: off
@pytest.mark.parametrize("source,expected", [
    # terminators and line breaks
    ("加强质量监管。推进标准化建设;完善认证体系!", ["加强质量监管。", "推进标准化建设;", "完善认证体系!"]),
    ("第一行\n第二行", ["第一行", "第二行"]),
    # never inside brackets or quotes
    ("落实《质量发展纲要(2012—2020年)。》要求。", ["落实《质量发展纲要(2012—2020年)。》要求。"]),
    ("开展“质量月。世界标准日”等活动。再推进。", ["开展“质量月。世界标准日”等活动。", "再推进。"]),
    ("按(国办发〔2016〕68号;细则)执行。下一句。", ["按(国办发〔2016〕68号;细则)执行。", "下一句。"]),
    # a numbered heading ending in 。 with body text on the same line is split there
    ("1.加强标准化建设。推进精细陶瓷等标准化建设。", ["1.加强标准化建设。", "推进精细陶瓷等标准化建设。"]),
    # strip surrounding white space, keep inner text exactly
    ("    (一)指导思想。  \n", ["(一)指导思想。"]),
    # consecutive terminators stay with their clause
    ("真的吗？！好。", ["真的吗？！", "好。"]),
    # ASCII ! ? inside a URL are not terminators
    ("![](https://a.cn/p.png?x=1) 图片", ["![](https://a.cn/p.png?x=1) 图片"]),
])
# fmt: on
def test_clause_boundaries(source: str, expected: list[str]) -> None:
    assert texts(source) == expected


# fmt: off
@pytest.mark.parametrize("line,marker", [
    ("一、主要目标",            ("cn", "一")),
    ("(三)发展目标",            ("paren_cn", "三")),
    ("（十二）加快平台建设。",    ("paren_cn", "十二")),
    ("1.加强标准化建设。",       ("num", "1")),
    ("2．强化监管",              ("num", "2")),
    ("（1）完善制度",            ("paren_num", "1")),
    ("——坚持市场主导",           ("dash", "——")),
    ("**一、主要目标**",         ("cn", "一")),
    ("1.5倍以上",               None),
    ("2020年达到90%",           None),
    ("1. [首页](https://x.cn)", None),
])
# fmt: on
def test_heading_markers(line: str, marker: tuple[str, str] | None) -> None:
    assert heading_marker(line) == marker


DOC = """关于加快质量发展的实施意见
一、主要目标
到2020年,主要实现如下目标:
质量技术基础方面。主导产品采标率90%以上。
二、主要任务
(一)开展质量提升行动
1.大力提升产品质量。推行绿色产品认证。(责任单位:市经信委、市质监局)
落实行业标准制度。(市商务粮食局、市经信委)
2.大力提升工程质量。强化建筑质量管理。(省质监局牵头,省发展改革委、省工信委配合)
三、保障措施
(一)加强组织领导。各级各部门要加强领导。
"""


def test_heading_chain_and_provision_ids() -> None:
    by_text = {c.text: c for c in segment(DOC).clauses}
    assert by_text["一、主要目标"].section == ()
    assert by_text["一、主要目标"].is_heading
    assert by_text["质量技术基础方面。"].section == ("一、主要目标",)
    assert by_text["主导产品采标率90%以上。"].section == ("一、主要目标", "质量技术基础方面。")
    assert by_text["推行绿色产品认证。"].section == ("二、主要任务", "(一)开展质量提升行动", "1.大力提升产品质量。")
    assert by_text["推行绿色产品认证。"].provision_id == "二/(一)/1"
    assert by_text["2.大力提升工程质量。"].section == ("二、主要任务", "(一)开展质量提升行动")
    assert by_text["各级各部门要加强领导。"].section == ("三、保障措施", "(一)加强组织领导。")
    assert by_text["各级各部门要加强领导。"].provision_id == "三/(一)"


def test_responsibility_notes_become_agencies_not_clauses() -> None:
    seg = segment(DOC)
    all_text = "".join(c.text for c in seg.clauses)
    assert "责任单位" not in all_text and "牵头" not in all_text and "市商务粮食局" not in all_text
    by_text = {c.text: c for c in seg.clauses}
    assert by_text["1.大力提升产品质量。"].lead_agencies == ("市经信委", "市质监局")
    assert by_text["推行绿色产品认证。"].lead_agencies == ("市经信委", "市质监局")
    # a second note in the same provision covers only what follows the first
    assert by_text["落实行业标准制度。"].lead_agencies == ("市商务粮食局", "市经信委")
    assert by_text["强化建筑质量管理。"].lead_agencies == ("省质监局",)
    assert by_text["强化建筑质量管理。"].partner_agencies == ("省发展改革委", "省工信委")
    assert by_text["二、主要任务"].lead_agencies == ()
    assert len(seg.notes) == 3


def test_note_inside_a_line_closes_the_sentence_before_it() -> None:
    seg = segment("1.扩大出口。建立清单。（合肥海关负责）巩固优势。（省商务厅牵头，合肥海关配合）")
    assert [c.text for c in seg.clauses] == ["1.扩大出口。", "建立清单。", "巩固优势。"]
    assert seg.clauses[1].lead_agencies == ("合肥海关",)
    assert seg.clauses[2].lead_agencies == ("省商务厅",)
    assert seg.clauses[2].partner_agencies == ("合肥海关",)


# fmt: off
@pytest.mark.parametrize("inner,lead,partner", [
    ("省质监局牵头,省发展改革委、省工信委配合",        ["省质监局"], ["省发展改革委", "省工信委"]),
    ("责任单位:市经信委、市质监局",                    ["市经信委", "市质监局"], []),
    ("市质量技监局、市科委负责",                       ["市质量技监局", "市科委"], []),
    ("质量发展处、认证监管处等按职责分工负责",          ["质量发展处", "认证监管处"], []),
    ("持续推进，牵头考核单位：市委宣传部、市政府办公室", ["市委宣传部", "市政府办公室"], []),
    ("省質監局牽頭,省質量發展領導小組各成員單位配合",    ["省質監局"], ["省質量發展領導小組各成員單位"]),
])
# fmt: on
def test_parse_agencies(inner: str, lead: list[str], partner: list[str]) -> None:
    assert parse_agencies(inner) == (lead, partner)


def test_bracketed_text_that_is_not_a_note_stays_in_the_clause() -> None:
    assert texts("实施质量强省战略(2016—2020年)") == ["实施质量强省战略(2016—2020年)"]


@settings(max_examples=300, deadline=None)
@given(document_text())
def test_offsets_always_reproduce_the_text(text: str) -> None:
    seg = segment(text)
    for c in seg.clauses:
        assert text[c.start:c.end] == c.text
        assert c.text == c.text.strip()
        assert c.text


@settings(max_examples=300, deadline=None)
@given(document_text())
def test_nothing_is_lost_or_duplicated(text: str) -> None:
    """Clauses + responsibility notes + white space reconstruct the document exactly."""
    seg = segment(text)
    spans = sorted([(c.start, c.end) for c in seg.clauses] + [(n.start, n.end) for n in seg.notes])
    pos = 0
    for s, e in spans:
        assert s >= pos, "overlapping spans"
        assert text[pos:s].strip() == "", f"lost text {text[pos:s]!r}"
        pos = e
    assert text[pos:].strip() == ""


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_segmenter_never_crashes_on_arbitrary_text(text: str) -> None:
    for c in segment(text).clauses:
        assert text[c.start:c.end] == c.text


def test_bundled_corpus_offsets(root) -> None:  # type: ignore[no-untyped-def]
    from pipeline.text.read import read_document

    total = 0
    for path in sorted((root / "corpus").glob("*.txt")):
        doc = read_document(path)
        seg = segment(doc.text)
        total += len(seg.clauses)
        assert all(doc.text[c.start:c.end] == c.text for c in seg.clauses)
    assert total > 3000


# A page flattened into one paragraph: its numbered headings still open provisions.
FLAT = ("一、总体要求 （一）指导思想。以新发展理念为指导，推动高质量发展。（二）主要目标。到2025年，合格率达到95%以上。"
        "二、主要任务 （一）加强质量基础设施建设。推进计量体系建设。三、保障措施 （一）加强组织领导。建立工作协调机制。")


def test_a_flattened_page_keeps_its_headings() -> None:
    got = [(c.text, c.section, c.is_heading) for c in segment(FLAT).clauses]
    assert got == [
        ("一、总体要求", (), True),
        ("（一）指导思想。", ("一、总体要求",), True),
        ("以新发展理念为指导，推动高质量发展。", ("一、总体要求", "（一）指导思想。"), False),
        ("（二）主要目标。", ("一、总体要求",), True),
        ("到2025年，合格率达到95%以上。", ("一、总体要求", "（二）主要目标。"), False),
        ("二、主要任务", (), True),
        ("（一）加强质量基础设施建设。", ("二、主要任务",), True),
        ("推进计量体系建设。", ("二、主要任务", "（一）加强质量基础设施建设。"), False),
        ("三、保障措施", (), True),
        ("（一）加强组织领导。", ("三、保障措施",), True),
        ("建立工作协调机制。", ("三、保障措施", "（一）加强组织领导。"), False),
    ]
    # offsets still index the text
    assert all(FLAT[c.start:c.end] == c.text for c in segment(FLAT).clauses)


@pytest.mark.parametrize("text", [
    "重点支持：（一）智能制造；（二）绿色制造。",  # items of a sentence's list, after ：/；
    "推动一、二、三产业融合发展。",  # numerals in running text
    "实现第一、二批试点全覆盖。",
    "包括以下内容，（一）项目名称。",  # after a comma
])
def test_numbers_inside_a_sentence_are_not_headings(text: str) -> None:
    assert not any(c.is_heading for c in segment(text).clauses)


# A page whose part titles lost their numbers: a line that is only a part's title heads the
# part like ``一、保障措施`` would, and numbered provisions below it nest under it.
UNNUMBERED = ("总体要求\n坚持系统推进。\n重点任务\n（一）加强标准建设。\n推进标准化试点。\n"
              "**保障措施**\n加强组织领导。\n組織實施：\n各部门要抓好落实。")


def test_a_line_that_is_only_a_part_title_heads_the_part() -> None:
    got = [(c.text, c.section, c.is_heading) for c in segment(UNNUMBERED).clauses]
    assert got == [
        ("总体要求", (), True),
        ("坚持系统推进。", ("总体要求",), False),
        ("重点任务", (), True),
        ("（一）加强标准建设。", ("重点任务",), True),
        ("推进标准化试点。", ("重点任务", "（一）加强标准建设。"), False),
        ("**保障措施**", (), True),
        ("加强组织领导。", ("**保障措施**",), False),
        ("組織實施：", (), True),
        ("各部门要抓好落实。", ("組織實施：",), False),
    ]


@pytest.mark.parametrize("text", [
    "保障措施到位。",  # a sentence that opens with a part's title
    "加强保障措施",  # a title inside a longer line
    "重点任务：推进标准化试点。",  # a run-in title with body text on its line
    "主要目标和重点任务",
])
def test_a_title_word_inside_a_sentence_does_not_head_a_part(text: str) -> None:
    assert not any(c.is_heading for c in segment(text).clauses)


@pytest.mark.parametrize("text,bare", [
    ("三、保障措施", True), ("（三）发展目标", True), ("二、主要任务", True), ("保障措施", True),
    ("**一、总体要求**", True), ("組織實施：", True), ("1.总体目标", True), ("（一）发展目标。", True),
    ("• 三、保障措施", True), ("- 保障措施", True), ("## 二、主要任务", True),
    # a heading that states an action is labelled by what it says (guide rule 2)
    ("（一）加强组织领导。", False), ("一、加快传统产业绿色低碳改造", False), ("主要目标和重点任务", False),
    ("保障措施到位。", False),
])
def test_a_bare_section_title(text: str, bare: bool) -> None:
    from pipeline.text.segment import is_bare_title

    assert is_bare_title(text) is bare


@pytest.mark.parametrize("text,issuer", [
    ("工业和信息化部", True), ("教育部、科学技术部", True), ("上海市人民政府辦公廳", True),
    ("中国人民银行湖南省分行", True), ("国务院国有资产监督管理委员会", True), ("## 国务院", True),
    ("- 上海市市场监督管理局。", True),
    # directional twins: a task that names a body, a body with a verb, a lead-agency sentence
    ("打造国家热带农业科学中心", False), ("建强用好县级融媒体中心", False), ("优化产业布局", False),
    ("加强组织领导", False), ("市市场监管局牵头，市发展改革委配合", False), ("教育部门要加强指导", False),
])
def test_a_line_that_only_names_issuing_bodies(text: str, issuer: bool) -> None:
    from pipeline.text.segment import is_issuer_line

    assert is_issuer_line(text) is issuer
