"""Markdown input (scraper output): front matter, rendering, headings in the chain, offsets."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline.text.markdown import front_matter, looks_like_markdown, render
from pipeline.text.read import read_document
from pipeline.text.segment import segment

SCRAPED = """# 某市质量提升行动方案（2023—2025年）

**发布日期**: 2023年5月8日
**发布机构**: 某市市场监督管理局
**来源**: [https://www.example.gov.cn/zw/2023/0508.html](https://www.example.gov.cn/zw/2023/0508.html)

---

## 政策全文

**一、主要目标**

到2025年，**产品质量监督抽查合格率**达到95%以上，详见[附件1](https://www.example.gov.cn/a.pdf)。

![](https://www.example.gov.cn/logo.png)

| 指标 | 单位 | 2022年 | 2025年 |
| --- | --- | --- | --- |
| 质量竞争力指数 | — | 85 | 86.5 |

### （一）加强标准化建设

- 推进标准化试点\\*示范。
1. 完善计量体系。
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("name", ["policy.md", "policy.txt"])
def test_front_matter_fills_the_document_fields(tmp_path: Path, name: str) -> None:
    doc = read_document(write(tmp_path, name, SCRAPED))
    assert doc.format == "markdown"
    assert doc.title == "某市质量提升行动方案（2023—2025年）"
    assert doc.published == date(2023, 5, 8)
    assert doc.issuer == "某市市场监督管理局"
    assert doc.source_url == "https://www.example.gov.cn/zw/2023/0508.html"


def test_no_markdown_syntax_inside_any_clause(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "policy.md", SCRAPED))
    clauses = segment(doc.text).clauses
    texts = [c.text for c in clauses]
    for t in texts:
        assert "**" not in t and "#" not in t and "|" not in t and "---" not in t, t
        assert "](" not in t and "![" not in t, t
    assert doc.text.count("\t") == 6  # two table rows of four cells, one row per line
    # Offsets index documents.text exactly.
    assert all(doc.text[c.start:c.end] == c.text for c in clauses)
    # Link text stays, its address goes; an image goes altogether; escapes are resolved.
    assert "到2025年，产品质量监督抽查合格率达到95%以上，详见附件1。" in texts
    assert not any("logo" in t for t in texts)
    assert "推进标准化试点*示范。" in texts
    assert "1. 完善计量体系。" in texts
    assert "指标\t单位\t2022年\t2025年" in texts
    assert "质量竞争力指数\t—\t85\t86.5" in texts


def test_markdown_headings_open_levels_of_the_chain(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "policy.md", SCRAPED))
    by_text = {c.text: c for c in segment(doc.text).clauses}
    title = "某市质量提升行动方案（2023—2025年）"
    assert by_text[title].is_heading and by_text[title].section == ()
    assert by_text["政策全文"].section == (title,)
    assert by_text["一、主要目标"].section == (title, "政策全文")
    assert by_text["质量竞争力指数\t—\t85\t86.5"].section == (title, "政策全文", "一、主要目标")
    # A markdown heading with a provision number takes the number's level: (一) under 一、.
    assert by_text["推进标准化试点*示范。"].section == (title, "政策全文", "一、主要目标", "（一）加强标准化建设")


def test_a_second_markdown_part_does_not_close_into_the_first() -> None:
    text = "## 甲\n一、任务\n做事。\n## 乙\n一、任务\n再做事。\n"
    clauses = {(c.text, c.section) for c in segment(text).clauses}
    assert ("再做事。", ("乙", "一、任务")) in clauses
    assert ("做事。", ("甲", "一、任务")) in clauses


# fmt: off
FRONT_CASES = [
    ("---\ntitle: 甲方案\ndate: '2022-03-09'\nissuer: []\nprovenance:\n  url: https://a.gov.cn/x.html\n---\n正文。",
     {"title": "甲方案", "published": "2022-03-09", "source_url": "https://a.gov.cn/x.html"}),
    ("# 乙规划\n\n**发布日期**: 2022年1月\n**发布机构**: 加快布局\n**分类**: \n**来源**: https://b.gov.cn/y.htm\n\n---\n正文。",
     {"title": "乙规划", "published": "2022年1月", "issuer": "加快布局", "source_url": "https://b.gov.cn/y.htm"}),
    ("# 丙\n**原文链接**: [http://c.gov.cn/z](http://c.gov.cn/z)\n",
     {"title": "丙", "source_url": "http://c.gov.cn/z"}),
    ("# 丁\n**来源**: 某市人民政府网站\n", {"title": "丁"}),  # a source without an address is not a URL
]
# fmt: on


@pytest.mark.parametrize("text,want", FRONT_CASES)
def test_front_matter_fields(text: str, want: dict[str, str]) -> None:
    assert front_matter(text) == want


def test_implausible_front_matter_issuer_and_month_only_date_fall_back_to_the_body(tmp_path: Path) -> None:
    text = ("# 乙规划\n\n**发布日期**: 2022年1月\n**发布机构**: 加快布局\n\n---\n\n国务院\n\n2021年12月12日\n\n"
            "一、总体要求\n推进数字化。\n")
    doc = read_document(write(tmp_path, "b.md", text))
    assert doc.issuer == "国务院"  # ``加快布局`` is not the name of a body
    assert doc.published == date(2021, 12, 12)  # ``2022年1月`` has no day: the body's date


# fmt: off
DETECT = [
    ("一、总体要求\n推进质量提升。\n", False),
    ("到2025年，合格率达到95%以上。**注**：无。\n", False),   # one stray mark is not markdown
    ("---\ntitle: 甲\n---\n正文。\n", True),
    ("# 标题\n\n**一、目标**\n\n[首页](https://a.cn)\n", True),
    ("| 指标 | 单位 |\n| --- | --- |\n| 甲 | % |\n", True),
]
# fmt: on


@pytest.mark.parametrize("text,want", DETECT)
def test_which_txt_files_are_markdown(text: str, want: bool) -> None:
    assert looks_like_markdown(text) is want


def test_render_maps_every_character_to_its_source() -> None:
    raw = "## 一、**目标**\n| a | [b](http://x) |\n| --- | --- |\n到\\*2025年\n"
    r = render(raw)
    assert r.text == "## 一、目标\na\tb\n\n到*2025年\n"
    for i, ch in enumerate(r.text):
        if ch not in "\n\t":
            assert raw[r.source[i]] == ch
