"""The behaviour table of the clause labels (CheckList minimum functionality: Ribeiro et al.,
ACL 2020): short clauses written by hand from the guide's label definitions (§2 and the
addendum), 25 per label, and the procedural sentences and web page furniture a sentence given
alone must come out ``other``. Any acceptable model labels each of them right, alone, in both
scripts, through the product's path (``predict``: segmentation, the extractor, the joint
decision). ``tests/classify/test_classifier_behaviour.py`` asserts it for the registered model;
the retrain flow refuses a candidate that fails a case the current model passes.
"""

from __future__ import annotations

from typing import Any

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
CASES: list[tuple[str, str]] = [(label, text) for label, texts in MFT.items() for text in texts]
# fmt: on

# Guide rule 4: entry into force, validity, interpretation — procedure, not policy.
PROCEDURAL = [
    "本方案自印发之日起施行。", "本意见自2024年1月1日起施行，有效期5年。", "本办法由市市场监督管理局负责解释。",
    "此前本市有关规定与本方案不一致的，以本方案为准。", "本措施自发布之日起实施，有效期至2027年12月31日。",
    # the covering notice's request, with its addressees between 请 and 认真
    "请各地各部门认真贯彻落实。", "请各市州人民政府、省直各有关部门认真贯彻执行。",
]
# What a scraped page keeps of its site: share bars, attachments' file names, previous and
# next links, the page's dates.
FURNITURE = [
    "扫一扫在手机打开当前页", "关于印发质量提升行动方案的通知.pdf", "附件2：重点任务分工表.docx",
    "上一篇：关于公布第二批质量标杆企业名单的通知", "印发日期：2023-05-16 发布日期：2023-05-18",
]
# The issuing bodies (guide §2): signatures under a joint document, an issuer line.
ISSUERS = ["工业和信息化部", "国家发展改革委", "财政部、商务部", "湖北省人民政府办公厅", "中国人民银行"]
# Every case the retrain gate reads: (label, text), in simplified script.
ALL_CASES: list[tuple[str, str]] = CASES + [("other", t) for t in PROCEDURAL + FURNITURE + ISSUERS]
DOC_YEAR = 2024


def labels_alone(text: str, clf: Any = None) -> list[str]:
    """The label of each clause of ``text`` given alone to ``predict`` (in a text of
    ``DOC_YEAR``), by ``clf`` (default: the registered current model)."""
    from pipeline.predict import predict_text

    return [c["label"] for c in predict_text(text, doc_year=DOC_YEAR, clf=clf)["clauses"]]


def behaviour_failures(clf: Any) -> list[tuple[str, str, list[str]]]:
    """(expected label, text, labels given) for every case of ``ALL_CASES``, in both scripts,
    that ``clf`` (a loaded ``ClauseClassifier``) does not label right alone."""
    from pipeline.text.script import converter

    s2t = converter("s2t")
    out = []
    for label, text in ALL_CASES:
        for t in (text, s2t(text)):
            got = labels_alone(t, clf)
            if got != [label]:
                out.append((label, t, got))
    return out
