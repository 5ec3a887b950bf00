"""Shared hypothesis strategies for the number normaliser and the target extractor."""

from __future__ import annotations

from hypothesis import strategies as st

CN_NUMERAL_CHARS = "零〇一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟萬億兩點负負"
NUMBERISH_CHARS = "0123456789０１２３４５６７８９.,，．%％-—–~～至到分之点又个項项家件元亿万以上下左右约多余翻番倍 "
POLICY_WORDS = [
    "到2020年", "达到", "以上", "以下", "左右", "不低于", "新增", "合格率", "覆盖率", "每年",
    "年均", "个", "家", "项", "%", "万元", "亿元", "、", "，", "。", "十三五", "期间", "力争",
    "确保", "控制在", "以内", "下降", "提高", "个百分点", "翻一番", "第", "次", "〔2017〕",
    "号", "等", "领域", "为重点", "给予", "奖励", "最高", "個", "達到", "萬", "億",
]

# Any text at all, including surrogates-free unicode, control characters and empty strings.
any_text = st.text(max_size=80)
# Text made mostly of numeral characters: the hard cases for the parsers.
numeral_text = st.text(alphabet=CN_NUMERAL_CHARS + NUMBERISH_CHARS, max_size=30)
# Sentence-like strings assembled from policy vocabulary and numbers.
policy_text = st.lists(
    st.one_of(st.sampled_from(POLICY_WORDS), st.integers(0, 100000).map(str), numeral_text),
    max_size=12,
).map("".join)
# Integers cn2an can spell (it handles up to 16 digits).
spellable_ints = st.integers(min_value=0, max_value=10**15)
# Decimals with one or two places, as written in policy targets (99.3, 0.25).
small_decimals = st.integers(min_value=0, max_value=99999).map(lambda n: n / 100)

_PIECES = [
    "一、", "二、", "(一)", "（二）", "1.", "2．", "（1）", "——", "**", "\n", "\r\n", "  ", "\u3000",
    "。", "；", ";", "！", "?", "!", "：", ",", "，", "、", "\ufeff", "\u200b",
    "(", ")", "（", "）", "《", "》", "“", "”", "〔", "〕", "【", "】", "「", "」", "[", "]", '"',
    "加强质量监管", "推进标准化建设", "合格率达到90%以上", "到2020年", "產品質量方面", "質量",
    "(省质监局牵头,省工信委配合)", "（责任单位：市经信委、市质监局）", "(市商务局、市质监局)",
    "质量技术基础方面。", "12365", "GB/T29187-2012", "https://x.cn/a?b=1", "![](a.png)", "？ ",
]


@st.composite
def document_text(draw: st.DrawFn) -> str:
    """Document-like text: headings, terminators, brackets, notes, debris and noise."""
    parts = draw(st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=4)), max_size=60))
    return "".join(parts)
