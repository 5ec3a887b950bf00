"""The formats: plain text, HTML (tables kept as rows, the page title), DOCX and PDF, each
read into text and the encoding it was read in."""

from __future__ import annotations

import io
import re
from pathlib import Path

from pipeline.text.decode import ReadError, decode_bytes

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
