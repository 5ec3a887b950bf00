"""Read policy documents (txt, html, docx, pdf) into text plus document metadata.

Decoding never guesses silently: a byte string is accepted as UTF-8, UTF-16 (BOM or
NUL pattern), GB18030 or Big5 only when it decodes strictly; between GB18030 and Big5
the choice falls to whichever gives the more plausible Chinese, and bytes that fit
neither are rejected with a reason.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from pipeline.markdown import front_matter, looks_like_markdown, render
from pipeline.script import t2s

SUPPORTED_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".shtml", ".docx", ".pdf"}


class ReadError(Exception):
    """A document that cannot be read; the message says why, in plain words."""

    def __init__(self, path: Path | str, stage: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.stage = stage
        self.reason = reason


@dataclass(frozen=True)
class Document:
    """A decoded document with the metadata found in its text."""

    doc_id: str
    source_path: str
    text: str
    content_sha256: str
    title: str | None
    doc_number: str | None
    issuer: str | None
    published: date | None
    script: str
    region: str | None
    encoding: str
    format: str
    source_url: str | None = None


# --- decoding ---------------------------------------------------------------------------

def decode_bytes(data: bytes, path: Path | str = "<bytes>") -> tuple[str, str]:
    """Decode bytes of Chinese text; returns (text, encoding) or raises ReadError."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", path), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", path), "utf-16"
    if _looks_utf16(data):
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if _cjk_ratio(text) > 0.2:
                return text, enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for enc in ("gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        candidates.append((_plausibility(text), enc, text))
    if not candidates:
        raise ReadError(
            path, "decode",
            "the bytes are not valid UTF-8, UTF-16, GB18030 or Big5 text "
            "(binary file or unknown encoding)",
        )
    candidates.sort(reverse=True)
    score, enc, text = candidates[0]
    if score <= 0:
        raise ReadError(path, "decode", "decoded text contains no plausible Chinese characters")
    return text, enc


def _strict(data: bytes, enc: str, path: Path | str) -> str:
    try:
        return data.decode(enc)
    except UnicodeDecodeError as e:
        raise ReadError(path, "decode", f"has a {enc} byte-order mark but invalid {enc} bytes at {e.start}") from e


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4000]
    if len(sample) < 4:
        return False
    zeros_even = sample[0::2].count(0)
    zeros_odd = sample[1::2].count(0)
    half = len(sample) / 2
    return max(zeros_even, zeros_odd) > 0.2 * half


_HAN = re.compile("[\u4e00-\u9fff]")


def _cjk_ratio(text: str) -> float:
    if not text:
        return 0.0
    return len(_HAN.findall(text)) / len(text)


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    # Characters frequent in policy prose, in both scripts.
    s = (
        "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也"
        "能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现"
        "实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表"
        "间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系"
        "军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资"
        "边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据"
        "处理府研质信标准规划意见措施推进加强完善建立健全提升监督企业服务保障实施工作落实体系"
        "國這發會為個們來說時對於產經過與學動種麼現實點關機義開還進業體質標準規劃見措施強監督"
    )
    return frozenset(s)


def _plausibility(text: str) -> float:
    """Share of common Chinese characters minus share of rare/private/box characters."""
    if not text:
        return 0.0
    common = _common_chars()
    n = len(text)
    good = sum(1 for ch in text if ch in common)
    bad = sum(
        1 for ch in text
        if unicodedata.category(ch) in ("Co", "Cn", "Cs") or "\ue000" <= ch <= "\uf8ff"
        or "\u2500" <= ch <= "\u257f"
    )
    return (good - 3 * bad) / n


# --- formats ----------------------------------------------------------------------------

def read_text_file(data: bytes, path: Path | str) -> tuple[str, str]:
    text, enc = decode_bytes(data, path)
    return text, enc


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_-]+)""", re.I)


def read_html(data: bytes, path: Path | str) -> tuple[str, str]:
    """Main text of an HTML page (navigation and page chrome dropped)."""
    m = _META_CHARSET.search(data[:4096])
    enc = None
    html = None
    if m:
        declared = m.group(1).decode("ascii", "ignore").lower()
        declared = {"gb2312": "gb18030", "gbk": "gb18030"}.get(declared, declared)
        try:
            html = data.decode(declared)
            enc = declared
        except (LookupError, UnicodeDecodeError):
            html = None
    if html is None:
        html, enc = decode_bytes(data, path)
    import trafilatura

    html = _rows_as_lines(html)
    text = None
    try:
        text = trafilatura.extract(
            html, include_comments=False, include_tables=True, favor_recall=True,
            deduplicate=False,
        )
    except Exception:  # noqa: BLE001 - trafilatura raises many kinds on broken pages
        text = None
    if not text or not text.strip():
        text = _html_fallback_text(html)
    text = text.replace(CELL_SENTINEL, "\t")
    if not text.strip():
        raise ReadError(path, "extract", "the HTML page has no text content")
    title = _html_title(html)
    if title and not text.lstrip().startswith(title):
        text = title + "\n" + text
    return text, enc or "utf-8"


# Table cells are joined with this mark before extraction (trafilatura folds tabs and puts
# each cell on a line of its own) and the mark becomes a tab afterwards.
CELL_SENTINEL = "〖⇥〗"


def _rows_as_lines(html: str) -> str:
    """``html`` with each table row turned into one paragraph of its cells joined by
    CELL_SENTINEL, so a table reaches the text one row per line (indicator tables)."""
    if "<table" not in html.lower():
        return html
    import lxml.html

    try:
        root = lxml.html.fromstring(html)
    except Exception:  # noqa: BLE001 - lxml raises several kinds on broken pages
        return html
    for table in list(root.iter("table")):
        parent = table.getparent()
        if parent is None:
            continue
        at = parent.index(table)
        for k, tr in enumerate(tr for tr in table.iter("tr")):
            cells = [" ".join(td.text_content().split()) for td in tr if td.tag in ("td", "th")]
            p = lxml.html.Element("p")
            p.text = CELL_SENTINEL.join(cells)
            parent.insert(at + k, p)
        parent.remove(table)
    return lxml.html.tostring(root, encoding="unicode")


def _html_fallback_text(html: str) -> str:
    import lxml.html

    try:
        root = lxml.html.fromstring(html)
    except Exception:  # noqa: BLE001
        return re.sub(r"<[^>]+>", "\n", html)
    for bad in root.xpath("//script|//style|//nav|//header|//footer"):
        bad.drop_tree()
    lines = [ln.strip() for ln in root.text_content().splitlines()]
    return "\n".join(ln for ln in lines if ln)


def _html_title(html: str) -> str | None:
    m = re.search(r"<title[^>]*>(.*?)</title>", html, re.I | re.S)
    if not m:
        return None
    t = re.sub(r"\s+", " ", m.group(1)).strip()
    t = re.split(r"\s*[-_|–—]\s*(?=[^-_|–—]*$)", t)[0].strip() if len(t) > 40 else t
    return t or None


def read_docx(data: bytes, path: Path | str) -> tuple[str, str]:
    """Paragraphs (and table cells) of a Word document, one per line."""
    import docx

    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as e:  # noqa: BLE001 - python-docx raises zip/xml/key errors
        raise ReadError(path, "extract", f"not a readable .docx file ({type(e).__name__}: {e})") from e
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines = []
    # Paragraphs and tables in document order; a table row is one line of tab-separated
    # cells (a merged cell repeats in each column it spans, keeping the columns aligned).
    for child in d.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, d).text)
        elif tag == "tbl":
            for row in Table(child, d).rows:
                lines.append("\t".join(" ".join(c.text.split()) for c in row.cells))
    return "\n".join(lines), "docx"


def read_pdf(data: bytes, path: Path | str) -> tuple[str, str]:
    """Text layer of a PDF, page by page."""
    import logging

    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        pages = [p.extract_text() or "" for p in reader.pages]
    except Exception as e:  # noqa: BLE001 - pypdf raises many kinds on broken files
        raise ReadError(path, "extract", f"not a readable PDF file ({type(e).__name__}: {e})") from e
    text = "\n".join(pages)
    if not text.strip():
        raise ReadError(path, "extract", "the PDF has no text layer (scanned image?); OCR is not supported")
    return text, "pdf"


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
    if front.get("issuer") and _AGENCY_NAME.search(front["issuer"]) and not _NOT_AGENCY.search(front["issuer"]):
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
_NOT_AGENCY = re.compile(r"(?:布局|格局|全局|大局|结局|結局|开局|開局|新局|破局|社会|社會|机会|機會|大会|大會|行业|行業)$")


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
    """Traditional → simplified (OpenCC t2s, ``pipeline.script``); for features and matching only."""
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


# --- entry point ------------------------------------------------------------------------

def slugify_doc_id(path: Path) -> str:
    """A stable, readable doc_id from a file name."""
    stem = unicodedata.normalize("NFKC", path.stem).lower()
    stem = re.sub(r"[^0-9a-z\u4e00-\u9fff]+", "-", stem).strip("-")
    return stem or "doc"


def read_document(path: Path, doc_id: str | None = None, max_chars: int | None = None,
                  max_bytes: int | None = None) -> Document:
    """Read one file into a Document, or raise ReadError with a reason a person understands."""
    text, encoding, fmt = read_text(path, max_chars=max_chars, max_bytes=max_bytes)
    return make_document(path, text, encoding, fmt, doc_id=doc_id)


def text_sha256(text: str) -> str:
    """The content hash of a decoded text (``documents.content_sha256``)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_document(path: Path, text: str, encoding: str, fmt: str, doc_id: str | None = None,
                  content_sha256: str | None = None) -> Document:
    """The Document of a text ``read_text`` returned: its hash and the metadata found in it."""
    meta = extract_metadata(text, fmt)
    return Document(
        doc_id=doc_id or slugify_doc_id(path),
        source_path=str(path),
        text=text,
        content_sha256=content_sha256 or text_sha256(text),
        encoding=encoding,
        format=fmt,
        **meta,  # type: ignore[arg-type]
    )


def read_text(path: Path, max_chars: int | None = None, max_bytes: int | None = None) -> tuple[str, str, str]:
    """The checked text of one file as (text, encoding, format), or ReadError with a reason.

    Everything ``read_document`` checks, without the metadata: enough to tell whether a
    document changed since it was ingested.
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ReadError(path, "read", f"unsupported file type {suffix or '(none)'}")
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise ReadError(path, "read", f"file is {size} bytes, over the limit of {max_bytes} bytes")
        data = path.read_bytes()
    except PermissionError as e:
        raise ReadError(path, "read", "permission denied: the file cannot be read") from e
    except IsADirectoryError as e:
        raise ReadError(path, "read", "is a directory") from e
    except OSError as e:
        raise ReadError(path, "read", f"cannot be read ({e.strerror or e})") from e
    if not data.strip():
        raise ReadError(path, "read", "the file is empty" if not data else "the file contains only white space")
    if suffix in (".html", ".htm", ".shtml"):
        text, enc = read_html(data, path)
        fmt = "html"
    elif suffix == ".docx":
        text, enc = read_docx(data, path)
        fmt = "docx"
    elif suffix == ".pdf":
        text, enc = read_pdf(data, path)
        fmt = "pdf"
    else:
        text, enc = read_text_file(data, path)
        fmt = "text"
    text = text.replace("\r\n", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    if fmt == "text" and (suffix in (".md", ".markdown") or looks_like_markdown(text)):
        text, fmt = render(text).text, "markdown"
    if not text.strip():
        raise ReadError(path, "read", "the document contains only white space")
    if max_chars is not None and len(text) > max_chars:
        raise ReadError(path, "read", f"document has {len(text)} characters, over the limit of {max_chars}")
    if not _HAN.search(text):
        raise ReadError(path, "read", "the document contains no Chinese text")
    return text, enc, fmt
