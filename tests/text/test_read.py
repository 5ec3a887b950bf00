"""Readers: encodings are detected, never guessed silently wrong; formats give main text."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from pipeline.gold.annotations import corpus_file
from pipeline.text.decode import ReadError, decode_bytes
from pipeline.text.metadata import detect_script, extract_metadata
from pipeline.text.read import read_document
from tests.conftest import ROOT

SIMPLIFIED = "甘肃省人民政府办公厅关于贯彻落实消费品标准和质量提升规划的实施意见\n甘政办发〔2017〕116号\n各市、自治州人民政府:\n为深化消费品供给侧结构性改革,现提出如下实施意见。\n到2020年,消费品质量明显提升。\n甘肃省人民政府办公厅\n2017年7月7日\n"
TRADITIONAL = "婁底市人民政府關于加快質量發展建設質量強市的實施意見\n婁政發〔2017〕28號\n為認真貫徹落實有關文件精神,結合我市實際,現提出以下實施意見。\n主導產品采標率90%以上。\n婁底市人民政府\n2017年10月16日\n"


# fmt: off
@pytest.mark.parametrize("text,encoding,expected_label", [
    (SIMPLIFIED,  "utf-8",     "utf-8"),
    (SIMPLIFIED,  "gb18030",   "gb18030"),
    (SIMPLIFIED,  "gbk",       "gb18030"),
    (TRADITIONAL, "big5",      "big5"),
    (SIMPLIFIED,  "utf-16",    "utf-16"),
    (TRADITIONAL, "utf-16-le", "utf-16-le"),
    (SIMPLIFIED,  "utf-8-sig", "utf-8-sig"),
])
# fmt: on
def test_decode_round_trips_each_encoding(text: str, encoding: str, expected_label: str) -> None:
    decoded, label = decode_bytes(text.encode(encoding))
    assert decoded.lstrip("\ufeff") == text
    assert label == expected_label


def test_random_bytes_are_rejected_with_reason() -> None:
    data = bytes(range(128, 256)) * 20
    with pytest.raises(ReadError) as e:
        decode_bytes(data, "x.txt")
    assert "x.txt" in str(e.value)


def test_text_file_keeps_content_and_normalises_crlf(tmp_path: Path) -> None:
    p = tmp_path / "doc.txt"
    p.write_bytes(SIMPLIFIED.replace("\n", "\r\n").encode("gb18030"))
    doc = read_document(p)
    assert doc.text == SIMPLIFIED
    assert doc.encoding == "gb18030"
    assert doc.doc_number == "甘政办发〔2017〕116号"
    assert doc.title and doc.title.startswith("甘肃省人民政府办公厅关于贯彻落实")
    assert doc.script == "simplified"
    assert doc.published == date(2017, 7, 7)


def test_big5_file_is_read_as_traditional(tmp_path: Path) -> None:
    p = tmp_path / "loudi.txt"
    p.write_bytes(TRADITIONAL.encode("big5"))
    doc = read_document(p)
    assert doc.text == TRADITIONAL
    assert doc.script == "traditional"
    assert doc.doc_number == "婁政發〔2017〕28號"
    assert doc.issuer == "婁底市人民政府"


def test_html_main_text_without_navigation(tmp_path: Path) -> None:
    body = "".join(f"<p>{line}</p>" for line in SIMPLIFIED.splitlines())
    html = (
        "<html><head><meta charset='gb2312'><title>实施意见 - 甘肃省人民政府</title></head><body>"
        "<nav><a href='/'>首页</a> | <a href='/x'>政务公开</a> | <a href='/y'>网站地图</a></nav>"
        f"<div class='article'>{body}</div><footer>版权所有 甘肃省人民政府 ICP备案</footer></body></html>"
    )
    p = tmp_path / "page.html"
    p.write_bytes(html.encode("gb18030"))
    doc = read_document(p)
    assert "到2020年,消费品质量明显提升。" in doc.text
    assert "网站地图" not in doc.text
    assert doc.format == "html"


def test_docx_paragraphs(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    for line in SIMPLIFIED.splitlines():
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    p = tmp_path / "doc.docx"
    p.write_bytes(buf.getvalue())
    doc = read_document(p)
    assert doc.text.splitlines()[:3] == SIMPLIFIED.splitlines()[:3]
    assert doc.format == "docx"


def test_pdf_text_layer(tmp_path: Path) -> None:
    """A PDF written with a CJK font: its text layer comes back."""
    pdf = _make_pdf("到2020年质量明显提升")
    p = tmp_path / "doc.pdf"
    p.write_bytes(pdf)
    doc = read_document(p)
    assert "质量明显提升" in doc.text.replace(" ", "")


def _make_pdf(text: str) -> bytes:
    """A minimal one-page PDF whose content stream uses a Type0 CID font with
    UniGB-UCS2-H encoding (no embedded font file needed for text extraction)."""
    hexs = text.encode("utf-16-be").hex().upper()
    stream = f"BT /F1 12 Tf 50 700 Td <{hexs}> Tj ET".encode()
    tounicode = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /U def "
        b"1 begincodespacerange <0000> <FFFF> endcodespacerange 1 beginbfrange <0000> <FFFF> <0000> endbfrange "
        b"endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>",
        b"<< /Length %d >>\nstream\n" % len(tounicode) + tounicode + b"\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


# fmt: off
@pytest.mark.parametrize("name,content,reason", [
    ("empty.txt",   b"",                          "empty"),
    ("blank.txt",   b"  \n\t \n",                 "white space"),
    ("random.pdf",  bytes(range(256)) * 8,        "not a readable PDF"),
    ("broken.docx", b"PK\x03\x04 not really a zip", "not a readable .docx"),
    ("latin.txt",   b"Just an English sentence.", "no Chinese text"),
])
# fmt: on
def test_bad_inputs_raise_read_error_naming_the_file(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(ReadError) as e:
        read_document(p)
    assert name in str(e.value)
    assert reason in e.value.reason


def test_size_limit_is_reported_with_size_and_limit(tmp_path: Path) -> None:
    p = tmp_path / "big.txt"
    p.write_text("质量" * 600, encoding="utf-8")
    with pytest.raises(ReadError) as e:
        read_document(p, max_chars=1000)
    assert "1200" in e.value.reason and "1000" in e.value.reason


def test_script_detection() -> None:
    assert detect_script(SIMPLIFIED) == "simplified"
    assert detect_script(TRADITIONAL) == "traditional"


def test_script_detection_counts_changed_characters_exactly() -> None:
    """The counting is vectorised; it must give the per-character count it replaced,
    also where t2s changes the length and beyond the basic plane."""
    import random

    from pipeline.text.metadata import _differing_positions

    rnd = random.Random(5)
    alphabet = list("質量发展發國国乾干髮发 \n，。0１") + ["𠀀", "𪚥", "\ud800"]
    for _ in range(500):
        a = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        b = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        assert _differing_positions(a, b) == sum(1 for x, y in zip(a, b, strict=False) if x != y)
    # a document right at the 5% boundary: 1 changed character in 20 Han ones is not traditional
    assert detect_script("质" * 19 + "質") == "simplified"
    assert detect_script("质" * 18 + "質質") == "traditional"
    manifest = {r.split(",")[0]: r.split(",")[4] for r in
                (ROOT / "corpus" / "manifest.csv").read_text(encoding="utf-8").splitlines()[1:]}
    for doc_id, script in manifest.items():
        assert detect_script(corpus_file(ROOT / "corpus", doc_id).read_text(encoding="utf-8")) == script, doc_id


def test_metadata_prefers_the_document_number_over_cited_ones() -> None:
    meta = extract_metadata(SIMPLIFIED)
    assert meta["doc_number"] == "甘政办发〔2017〕116号"


def test_cited_document_numbers_are_not_the_documents_own() -> None:
    text = "关于本市贯彻《消费品标准和质量提升规划(2016-2020年)》的实施意见\n为贯彻《规划》(国办发〔2016〕68号),提出如下意见。\n"
    assert extract_metadata(text)["doc_number"] is None
