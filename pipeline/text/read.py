"""Read policy documents (txt, html, docx, pdf) into text plus document metadata.

The entry points (``read_text``, ``read_document``, ``make_document``); decoding is in
``decode``, the formats in ``formats``, the metadata in ``metadata``, markdown in
``markdown``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.text.decode import _HAN, ReadError, decode_bytes  # noqa: F401  (ReadError, decode_bytes: public here too)
from pipeline.text.formats import read_docx, read_html, read_pdf, read_text_file
from pipeline.text.markdown import looks_like_markdown, render
from pipeline.text.metadata import extract_metadata

SUPPORTED_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".shtml", ".docx", ".pdf"}


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
