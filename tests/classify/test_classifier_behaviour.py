"""Behavioural tests of the clause labels (CheckList: Ribeiro et al., ACL 2020).

- Minimum functionality: short clauses written by hand from the guide's label definitions
  (§2 and the addendum; the table is ``pipeline.classify.behaviour``, which the retrain gate
  also reads), each in simplified and in traditional script; any acceptable model
  labels them right, alone, as ``predict`` sees them (the joint label + targets decision).
- Invariance: perturbations that must not change a label (``pipeline.classify.robustness``), over
  every gold clause: the flip rate of each must stay at or under 2%.
- Directional: a quantified deadline moves a measure towards ``target``; a review section
  moves a clause towards ``other``.
"""

from __future__ import annotations

import pytest

from pipeline.classify import document_features, load_current
from pipeline.classify.behaviour import CASES, FURNITURE, ISSUERS, MFT, PROCEDURAL, labels_alone
from pipeline.settings import get_settings
from pipeline.text.script import converter

pytestmark = pytest.mark.skipif(
    not (get_settings().tokenizer_dir / "tokenizer").exists(),
    reason="the pkuseg tokenizer is not provisioned (make models)",
)


def test_at_least_25_cases_per_label():
    assert all(len(v) >= 25 for v in MFT.values())
    assert len({t for _, t in CASES}) == len(CASES)


@pytest.mark.parametrize("script", ["simplified", "traditional"])
@pytest.mark.parametrize("label,text", CASES)
def test_minimum_functionality(label, text, script):
    if script == "traditional":
        text = converter("s2t")(text)
    assert labels_alone(text) == [label], text


# A page whose headings were lost: a short plan written here, one clause per line, no heading
# (the page model reads each clause with its neighbours and its place in the page).
PAGE = [
    ("为深入推进制造业质量提升，推动经济高质量发展，结合本市实际，制定本方案。", "goal"),
    ("到2025年，全市制造业产品质量监督抽查合格率达到95%以上。", "target"),
    ("质量基础设施更加完善，企业质量管理水平明显提升。", "goal"),
    ("实施质量提升行动，推动重点行业开展质量对标。", "measure"),
    ("加强计量、标准、认证认可、检验检测能力建设。", "measure"),
    ("鼓励企业建立首席质量官制度。", "measure"),
    ("严厉打击制售假冒伪劣商品违法行为。", "measure"),
    ("推动检验检测机构开放共享仪器设备。", "measure"),
    ("完善缺陷产品召回制度。", "measure"),
    ("支持企业开展品牌建设。", "measure"),
    ("建立由市政府分管领导牵头的工作协调机制，统筹推进各项任务落实。", "safeguard"),
    ("各区各部门要将质量工作纳入年度绩效考核。", "safeguard"),
    ("市财政统筹安排资金，支持质量提升重点项目。", "safeguard"),
    ("本方案自印发之日起施行。", "other"),
]


def read_page(table: list[tuple[str, str]], script: str) -> tuple[list[dict], list[tuple[str, str]]]:
    """The clauses ``predict`` makes of a page written one clause per line (in ``script``),
    and the (text, label) pairs the table wants of them."""
    from pipeline.predict import predict_text

    lines = [t if script == "simplified" else converter("s2t")(t) for t, _ in table]
    clauses = predict_text("\n".join(lines), doc_year=2024)["clauses"]
    return clauses, [(t, lab) for t, (_, lab) in zip(lines, table, strict=True)]


@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_a_page_without_headings(script):
    clauses, want = read_page(PAGE, script)
    assert all(not c["section"] for c in clauses)
    assert [(c["text"], c["label"]) for c in clauses] == want


# A page whose part titles lost their numbers (``总体要求`` for ``一、总体要求``), a review
# opening its preamble: written here, labels by the guide (rule 2: a bare title is `other`;
# rule 4: the purpose sentence is `goal`, though the review before it is the past).
TITLED_PAGE = [
    ("关于促进文化和旅游消费提质升级的实施意见", "other"),
    ("各区人民政府，市政府各委、办、局：", "other"),
    ("近年来，全市文化和旅游消费持续增长，但仍存在供给质量不高、消费环境有待改善等问题。", "other"),
    ("为进一步激发文化和旅游消费潜力，经市政府同意，现提出如下意见。", "goal"),
    ("总体要求", "other"),
    ("坚持以人民为中心，坚持供给侧结构性改革与扩大内需相结合。", "goal"),
    ("到2026年，全市文化和旅游消费总额年均增长8%以上，建成市级夜间文旅消费集聚区20个。", "target"),
    ("重点任务", "other"),
    ("丰富文化和旅游产品供给，推动景区、博物馆、剧场延长开放时间。", "measure"),
    ("培育一批文旅消费新业态，发展沉浸式演艺和数字文旅。", "measure"),
    ("改善文化和旅游消费环境，完善旅游厕所、停车场等公共服务设施。", "measure"),
    ("保障措施", "other"),
    ("建立由市政府分管领导召集的联席会议制度，统筹协调重大事项。", "safeguard"),
    ("各区要将文旅消费工作纳入年度考核，加强督促检查。", "safeguard"),
    ("加大财政资金支持力度，用好文化和旅游发展专项资金。", "safeguard"),
    ("本意见自印发之日起施行。", "other"),
]


@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_a_page_whose_part_titles_lost_their_numbers(script):
    clauses, want = read_page(TITLED_PAGE, script)
    assert [(c["text"], c["label"]) for c in clauses] == want


@pytest.mark.parametrize("text", PROCEDURAL)
def test_a_procedural_closing_sentence_is_other_alone(text):
    """Guide rule 4: entry into force, validity, interpretation — procedure, not policy."""
    for t in (text, converter("s2t")(text)):
        assert labels_alone(t) == ["other"], t


@pytest.mark.parametrize("text", FURNITURE)
def test_web_page_furniture_is_other_alone(text):
    """What a scraped page keeps of its site (share bars, attachments' file names, previous and
    next links, dates of the page) is ``other``, not policy."""
    for t in (text, converter("s2t")(text)):
        assert labels_alone(t) == ["other"], t


@pytest.mark.parametrize("text", ISSUERS)
def test_an_issuing_body_alone_is_other(text):
    """Guide §2: the issuing body (a signature under a joint document) is ``other``."""
    for t in (text, converter("s2t")(text)):
        assert labels_alone(t) == ["other"], t


# --- directional ----------------------------------------------------------------------------

def _proba(clf, texts, sections, counts):
    return clf.proba_features(document_features(texts, sections, counts))


def test_a_quantified_deadline_moves_a_measure_towards_target():
    from pipeline.predict import predict_text

    base = "推进农业机械化全程全面发展"
    plain = predict_text(base + "。", doc_year=2024)["clauses"][0]
    more = predict_text(base + "，到2025年，主要农作物耕种收综合机械化率达到90%以上。", doc_year=2024)["clauses"][0]
    assert plain["label"] == "measure" and more["label"] == "target"
    clf = load_current()
    a, b = (clf.proba_features(document_features([t], [[]], [n]))[0]["target"]
            for t, n in ((base + "。", 0), (base + "，到2025年，主要农作物耕种收综合机械化率达到90%以上。", 1)))
    assert b > a


@pytest.mark.parametrize("text", [
    "全面推进质量提升行动，产品质量明显改善。",
    "持续推进“放管服”改革，营商环境持续优化。",
    "建成一批国家级质检中心，质量基础设施不断完善。",
])
def test_a_review_section_moves_a_clause_towards_other(text):
    clf = load_current()
    texts = ["一、主要任务", text, "一、“十三五”时期发展成就", text]
    sections = [[], ["一、主要任务"], [], ["一、“十三五”时期发展成就"]]
    proba = clf.proba_features(document_features(texts, sections, [0, 0, 0, 0]))
    assert proba[3]["other"] > proba[1]["other"]


@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_a_chapter_about_support_moves_its_clauses_towards_safeguard(script):
    """The same clause, under the same headings and between the same neighbours, in a closing
    chapter whose other clauses are about talent, funding and assessment (addendum D23/E17:
    a support chapter after the tasks is the safeguards part, whatever its title) reads more
    as a safeguard than in a chapter whose other clauses are tasks of industry."""
    clf = load_current()
    head = ["一、重点任务", "（一）推进产业升级。", "实施技术改造工程。", "支持企业建设数字化车间。",
            "二、汇聚各方力量", "（一）建设专业队伍。", "鼓励高校设置相关专业。", "建立专家服务基层制度。",
            "支持社会组织参与。"]
    rest = {"support": ["加强人才队伍建设。", "统筹利用现有资金渠道给予支持。", "将工作纳入年度考核。"],
            "tasks": ["推广先进适用技术。", "建设一批示范工厂。", "发展智能制造装备。"]}
    safeguard = {}
    for kind, tail in rest.items():
        texts = [t if script == "simplified" else converter("s2t")(t) for t in head + tail]
        one, two = [texts[0]], [texts[4]]
        sections = [[], one, [*one, texts[1]], [*one, texts[1]], [], two] + [[*two, texts[5]]] * 6
        safeguard[kind] = _proba(clf, texts, sections, [0] * len(texts))[7]["safeguard"]
    assert safeguard["support"] > safeguard["tasks"]


# --- invariance over every gold clause ------------------------------------------------------

@pytest.fixture(scope="module")
def flips():
    from pipeline.classify.robustness import gold_flip_rates

    return gold_flip_rates()


@pytest.mark.slow
@pytest.mark.parametrize("name", [
    "final 。/； removed", "final 。 added", "other script", "Chinese numerals", "full-width digits",
    "list bullet in front", "markdown marker in front", "neutral heading added", "neutral heading removed",
])
def test_invariance_flip_rate_at_most_two_percent(flips, name):
    f = flips[name]
    assert f["n"] > 0
    assert f["rate"] <= 0.02, (name, f["rate"], f["examples"])
