"""Document metadata from its text: title, document number, issuer, date, region, script."""

from __future__ import annotations

import re
from datetime import date

from pipeline.text.decode import _HAN
from pipeline.text.markdown import front_matter
from pipeline.text.notes import NOT_A_BODY
from pipeline.text.script import t2s

# --- metadata ---------------------------------------------------------------------------

DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,12}[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*\d{1,4}\s*[号號]"
)
TITLE_END = re.compile(
    r"(?:意见|意見|方案|计划|計劃|計畫|规划|規劃|办法|辦法|通知|纲要|綱要|政策解读|政策解讀|决定|決定|"
    r"规定|規定|细则|細則|措施|要点|要點|若干政策)(?:[(（][^)）]{0,30}[)）])?\**$"
)
ISSUER_LINE = re.compile(
    r"^\**(?:[\u4e00-\u9fff]{2,30}(?:人民政府办公厅|人民政府辦公廳|人民政府办公室|人民政府辦公室|人民政府|"
    r"办公厅|辦公廳|委员会|委員會|局|厅|廳|办公室|辦公室|(?<!第.)部)|国务院(?:办公厅)?|國務院(?:辦公廳)?)\**$"
)
DATE_CN = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
DATE_ISO = re.compile(r"(?:发布日期|發布日期|印发日期|發文日期|发文日期|成文日期)\s*[:：]?\s*((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})")


def extract_metadata(text: str, fmt: str = "text") -> dict[str, object]:
    """Title, document number, issuer, publication date, script, region and source address
    found in the text; for markdown, the front matter's fields come first (``front_matter``)."""
    front = front_matter(text) if fmt == "markdown" else {}
    lines = [ln.strip().strip("*#").strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    title = None
    for ln in lines[:60]:
        core = re.sub(r"^(?:\d+\.\s*|title:\s*)", "", ln)
        if 6 <= len(core) <= 90 and TITLE_END.search(core) and not core.startswith(("经", "現將", "现将", "为", "為")):
            title = core
            break
    if title is None and lines:
        title = lines[0][:120]
    doc_number = None
    for m in DOC_NUMBER.finditer(text[:20000]):
        before = text[max(0, m.start() - 3):m.start()].rstrip("(（ ")
        if before.endswith(("》", "、", "”")):
            continue  # a cited document: 《…》(国办发〔2016〕68号)
        doc_number = re.sub(r"\s+", "", m.group(0))
        break
    if doc_number:
        doc_number = re.sub(r"^.*?(?=[\u4e00-\u9fff]{1,8}[〔\[［(（【])", "", doc_number, count=1)
    issuer = None
    for ln in lines[:80]:
        if ISSUER_LINE.match(ln) and len(ln) <= 30:
            issuer = ln
            break
    if issuer is None and title:
        m2 = re.match(r"^(.{2,30}?(?:人民政府办公厅|人民政府辦公廳|人民政府|办公厅|辦公廳))(?:关于|關于|關於)", title)
        if m2:
            issuer = m2.group(1)
    published = _find_date(text)
    if front.get("title"):
        title = front["title"]
    if front.get("issuer") and _AGENCY_NAME.search(front["issuer"]) and not NOT_A_BODY.search(front["issuer"]):
        issuer = front["issuer"]  # a scraper's 发布机构 may hold a region or stray words
    if front.get("published"):
        published = _full_date(front["published"]) or published
    return {
        "title": title,
        "doc_number": doc_number,
        "issuer": issuer,
        "published": published,
        "script": detect_script(text),
        "region": find_region(issuer, title),
        "source_url": front.get("source_url"),
    }


# The name of an issuing body ends in one of these (工信部, 上海市科学技术委员会, 国务院办公厅).
_AGENCY_NAME = re.compile(r"(?:部|委|局|厅|廳|院|办|辦|办公室|辦公室|政府|委员会|委員會|中心|署|会|會|行|所|处|處)$")


def _full_date(s: str) -> date | None:
    """A date written in full (``2025-12-22``, ``2023年10月26日``); None for ``2022年1月``."""
    m = re.search(r"((?:19|20)\d{2})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})", s)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


_REGION = re.compile(
    r"^(?:中国)?((?:内蒙古|广西|西藏|宁夏|新疆|黑龙江|[\u4e00-\u9fff]{2,3}?)(?:自治区|特别行政区|省|市|州|盟))"
)
_MUNICIPALITIES = ("北京", "天津", "上海", "重庆")


def find_region(issuer: str | None, title: str | None) -> str | None:
    """Province or city named at the start of the issuer (else the title): 甘肃省, 娄底市.

    A bare ``本市`` / ``我省`` is not resolved; the region is then null.
    """
    for s in (issuer, title):
        if not s:
            continue
        s = re.sub(r"^[《“\s]+", "", s)
        m = _REGION.match(s)
        if m and not m.group(1).startswith(("关于", "關於", "関于", "本", "我", "全")):
            return m.group(1)
        for city in _MUNICIPALITIES:
            if s.startswith(city):
                return city + "市"
    return None


def _find_date(text: str) -> date | None:
    head = text[:30000]
    for rx in (DATE_ISO, DATE_CN):
        for m in rx.finditer(head):
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                continue
    return None


def to_simplified(text: str) -> str:
    """Traditional → simplified (OpenCC t2s, ``pipeline.text.script``); for features and matching only."""
    return t2s(text)


def detect_script(text: str) -> str:
    """'traditional' when OpenCC t2s changes a noticeable share of the Han characters."""
    sample = text[:20000]
    han = len(_HAN.findall(sample))
    if han == 0:
        return "unknown"
    simp = to_simplified(sample)
    changed = 0 if simp == sample else _differing_positions(sample, simp)
    return "traditional" if changed / han > 0.05 else "simplified"


def _differing_positions(a: str, b: str) -> int:
    """How many of the first min(len) positions hold different characters in a and b."""
    import numpy as np

    n = min(len(a), len(b))
    x, y = (np.frombuffer(s[:n].encode("utf-32-le", "surrogatepass"), dtype="<u4") for s in (a, b))
    return int(np.count_nonzero(x != y))
