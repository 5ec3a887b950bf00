"""Behavioural tests of the clause labels (CheckList: Ribeiro et al., ACL 2020).

- Minimum functionality: short clauses written here from the guide's label definitions
  (§2 and the addendum), each in simplified and in traditional script; any acceptable model
  labels them right, alone, as ``predict`` sees them (the joint label + targets decision).
- Invariance: perturbations that must not change a label (``pipeline.classify.robustness``), over
  every gold clause: the flip rate of each must stay at or under 2%.
- Directional: a quantified deadline moves a measure towards ``target``; a review section
  moves a clause towards ``other``.
"""

from __future__ import annotations

import pytest

from pipeline.classify import document_features, load_current
from pipeline.settings import get_settings
from pipeline.text.script import converter

pytestmark = pytest.mark.skipif(
    not (get_settings().tokenizer_dir / "tokenizer").exists(),
    reason="the pkuseg tokenizer is not provisioned (make models)",
)

# fmt: off
MFT = {
    "goal": [
        "质量总体水平明显提升。", "坚持市场决定与政府推动相结合。", "品牌建设取得较大成效。",
        "标准化体系更加完善。", "产业结构进一步优化，发展质量和效益显著提高。",
        "坚持以人民为中心的发展思想。", "消费品质量安全水平稳步提升。",
        "基本形成布局合理、特色鲜明的产业发展格局。", "坚持创新驱动、绿色发展。", "营商环境持续优化。",
        "为进一步提升产品质量，推动经济高质量发展，现提出如下实施意见。",
        "以习近平新时代中国特色社会主义思想为指导，全面贯彻新发展理念。", "数字经济治理体系更加完善。",
        "城乡居民生活品质明显改善。", "坚持统筹兼顾、分类施策。", "生态环境质量持续改善。",
        "质量强市建设取得显著成效。", "人民群众获得感、幸福感、安全感不断增强。", "坚持问题导向，补齐短板弱项。",
        "现代化产业体系基本建立。", "农业农村现代化取得重要进展。", "为加快推进制造业数字化转型，制定本行动方案。",
        "创新能力大幅提升，核心竞争力明显增强。", "坚持政府引导、市场主导、社会参与。", "全社会质量意识普遍提高。",
    ],
    "target": [
        "到2025年，工业产品质量监督抽查合格率达到95%以上。", "全市新增高新技术企业500家以上", "新增省长质量奖10个以上。",
        "培育区域品牌3至5个。", "森林覆盖率超过30%。", "单位地区生产总值能耗下降13.5%。",
        "到2027年，全市高标准农田面积稳定在45万亩以上", "研发经费投入强度提高0.5个百分点。",
        "每年推进5-8家市级农业标准化示范区建设。", "主要污染物排放总量控制在100万吨以内。", "城镇新增就业岗位120万个。",
        "力争注册商标总量达到7万件。", "建成国家级质检中心2个。", "到2025年，数字经济核心产业增加值占GDP比重达到10%。",
        "全市人均地区生产总值翻一番。", "空气质量优良天数比例达到90%以上。", "培育国家级专精特新“小巨人”企业50家。",
        "到2026年，新建充电桩1万个。", "城市生活垃圾回收利用率达到35%左右。", "到2025年，累计建成5G基站10万个。",
        "农作物耕种收综合机械化率达到85%以上", "地区生产总值年均增长8%以上。", "全省规模以上工业企业数字化改造覆盖率达到80%。",
        "每万人口高价值发明专利拥有量达到12件。", "建设省级以上农业标准化示范区20个。",
    ],
    "measure": [
        "加快质量诚信体系建设。", "推广卓越绩效、六西格玛、精益生产等质量管理模式和方法", "严厉打击制售假冒伪劣商品违法行为。",
        "建立健全产品质量追溯制度。", "鼓励企业开展品牌建设。", "实施标准化战略，推动企业参与制定国际标准。",
        "加强计量、标准、认证认可、检验检测等质量基础设施建设。", "开展消费品质量提升行动。",
        "推进“互联网+政务服务”，优化审批流程。", "完善缺陷产品召回制度。", "支持龙头企业建设研发中心。", "深化“放管服”改革。",
        "加强食品安全风险监测和评估。", "推动传统产业智能化改造。", "健全知识产权保护体系。",
        "实施乡村建设行动，改善农村人居环境。", "引导企业加大技术改造投入。", "加快建设5G网络和数据中心等新型基础设施。",
        "规范平台经济发展，强化反垄断监管。", "推进农业机械化全程全面发展。", "开展质量提升示范区创建活动。",
        "建立产品质量安全风险预警机制。", "推动检验检测机构市场化改革。", "强化重点产品监督抽查。",
        "发展绿色建筑，推广装配式建筑。",
    ],
    "safeguard": [
        "（一）加强组织领导。", "将消费品标准和质量提升工作纳入政府质量工作考核范围。",
        "统筹利用现有资金渠道，加强对改善消费品供给能力的财政支持。", "各地区、各部门要高度重视，明确责任分工，抓好贯彻落实。",
        "建立健全工作协调机制，统筹推进各项工作。", "加强舆论宣传，营造全社会重视质量的良好氛围。",
        "加强督促检查，确保各项任务落到实处。", "强化考核评价，将考核结果作为干部评价的重要依据。",
        "加大财政资金支持力度，落实税收优惠政策。", "加强人才队伍建设，为实施本方案提供人才保障。",
        "市政府成立领导小组，统筹协调重大问题。", "各责任单位要制定具体实施方案，细化工作措施。",
        "建立定期通报制度，及时通报工作进展情况。", "（二）强化资金保障。", "加强宣传引导，及时总结推广典型经验。",
        "各级政府要把质量工作摆上重要议事日程。", "适时开展本方案实施情况第三方评估。", "强化监督问责，对工作不力的严肃追责。",
        "做好政策解读，营造良好社会氛围。", "加强统筹协调，形成工作合力。", "（三）加强督查考核。",
        "各地要结合实际制定贯彻落实措施。", "发挥财政资金引导作用，带动社会资本投入本方案实施。", "强化组织保障，成立工作专班。",
        "建立部门联席会议制度，统筹协调本方案实施中的重大问题。",
    ],
    "other": [
        "二、主要任务", "甘肃省人民政府办公厅", "2017年7月7日", "甘政办发〔2017〕116号", "各市、自治州人民政府，省政府有关部门：",
        "现将《实施意见》印发给你们，请认真贯彻执行。", "经市政府同意，现将有关事项通知如下。", "发布日期：2022-03-09 浏览次数：1463",
        "三、保障措施", "（此件公开发布）", "附件：1.重点任务分工表", "（三）发展目标", "字号：大 中 小", "打印本页 关闭窗口",
        "特此通知。", "一、总体要求", "来源：市市场监督管理局", "抄送：市委办公室，市人大常委会办公室。",
        "上一篇：关于开展质量月活动的通知", "2020年，全市地区生产总值增长6.5%。", "去年全市新增市场主体3.2万户。",
        "当前，我国发展不平衡不充分问题仍然突出。", "主题词：质量 意见 通知", "联系电话：0931-8888888", "第一章 总则",
    ],
}
CASES = [(label, text) for label, texts in MFT.items() for text in texts]
# fmt: on


def test_at_least_25_cases_per_label():
    assert all(len(v) >= 25 for v in MFT.values())
    assert len({t for _, t in CASES}) == len(CASES)


@pytest.mark.parametrize("script", ["simplified", "traditional"])
@pytest.mark.parametrize("label,text", CASES)
def test_minimum_functionality(label, text, script):
    from pipeline.predict import predict_text

    if script == "traditional":
        text = converter("s2t")(text)
    clauses = predict_text(text, doc_year=2024)["clauses"]
    assert [c["label"] for c in clauses] == [label], (text, [(c["text"], c["label"]) for c in clauses])


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


@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_a_page_without_headings(script):
    from pipeline.predict import predict_text

    lines = [t if script == "simplified" else converter("s2t")(t) for t, _ in PAGE]
    clauses = predict_text("\n".join(lines), doc_year=2024)["clauses"]
    assert all(not c["section"] for c in clauses)
    assert [(c["text"], c["label"]) for c in clauses] == [(t, lab) for t, (_, lab) in zip(lines, PAGE, strict=True)]


@pytest.mark.parametrize("text", [
    "本方案自印发之日起施行。", "本意见自2024年1月1日起施行，有效期5年。", "本办法由市市场监督管理局负责解释。",
    "此前本市有关规定与本方案不一致的，以本方案为准。", "本措施自发布之日起实施，有效期至2027年12月31日。",
])
def test_a_procedural_closing_sentence_is_other_alone(text):
    """Guide rule 4: entry into force, validity, interpretation — procedure, not policy."""
    from pipeline.predict import predict_text

    for t in (text, converter("s2t")(text)):
        assert [c["label"] for c in predict_text(t, doc_year=2024)["clauses"]] == ["other"], t


@pytest.mark.parametrize("text", [
    "扫一扫在手机打开当前页", "关于印发质量提升行动方案的通知.pdf", "附件2：重点任务分工表.docx",
    "上一篇：关于公布第二批质量标杆企业名单的通知", "印发日期：2023-05-16 发布日期：2023-05-18",
])
def test_web_page_furniture_is_other_alone(text):
    """What a scraped page keeps of its site (share bars, attachments' file names, previous and
    next links, dates of the page) is ``other``, not policy."""
    from pipeline.predict import predict_text

    for t in (text, converter("s2t")(text)):
        assert [c["label"] for c in predict_text(t, doc_year=2024)["clauses"]] == ["other"], t


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
