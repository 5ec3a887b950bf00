"""Shared hypothesis strategies."""

from __future__ import annotations

from hypothesis import strategies as st

_PIECES = [
    "一、", "二、", "(一)", "（二）", "1.", "2．", "（1）", "——", "**", "\n", "\r\n", "  ", "\u3000",
    "。", "；", ";", "！", "?", "!", "：", ",", "，", "、",
    "(", ")", "（", "）", "《", "》", "“", "”", "〔", "〕", "【", "】", "「", "」", "[", "]", '"',
    "加强质量监管", "推进标准化建设", "合格率达到90%以上", "到2020年", "產品質量方面", "質量",
    "(省质监局牵头,省工信委配合)", "（责任单位：市经信委、市质监局）", "(市商务局、市质监局)",
    "质量技术基础方面。", "12365", "GB/T29187-2012", "https://x.cn/a?b=1", "![](a.png)",
]


@st.composite
def policy_text(draw: st.DrawFn) -> str:
    """Text built from the pieces real policy documents are made of, plus noise."""
    parts = draw(st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=4)), max_size=60))
    return "".join(parts)
