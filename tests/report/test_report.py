"""The HTML report: built from a small real ingest, checked as text and in headless Chromium.

The browser checks need Debian's ``chromium`` and ``chromium-driver`` (and ``fonts-noto-cjk``
for the Chinese text): ``bash scripts/install-browser.sh`` installs them. Set
``REPORT_SCREENSHOT=path.png`` to keep a screenshot of the report for a look.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from pipeline.ingest import Engine, ingest
from pipeline.report import write_report
from pipeline.tables import CLAUSES, DOCUMENTS, ERRORS, INDICATORS, TARGETS, read_table, write_table
from tests.conftest import CORPUS

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-quic",
    "--no-default-browser-check", "--disable-dev-shm-usage", "--window-size=1280,1000",
)
# Traditional text with lead agencies and targets, simplified documents, and enough documents
# that share indicators for the "same indicator, different documents" section (five).
DOCS = ("loudi-2017-quality-city", "shanghai-2024-green-transition", "anhui-2022-rcep-opening",
        "gansu-2017-consumer-goods-quality", "henan-2017-quality-brand-interpretation",
        "gansu-2015-quality-action-plan", "shanghai-2017-consumer-goods-quality",
        "shanghai-2021-eco-environment-plan")
CHARTS = ("label-mix", "targets-by-year", "lead-agencies")


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real ingest (classifier + spaCy target extractor) of three corpus documents."""
    root = tmp_path_factory.mktemp("report")
    inbox = root / "inbox"
    inbox.mkdir()
    for doc_id in DOCS:
        shutil.copy(CORPUS / f"{doc_id}.txt", inbox)
    out = root / "tables"
    ingest([inbox], out, engine=Engine(use_targets=True))
    return out


@pytest.fixture(scope="module")
def report(tables: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(tables, tmp_path_factory.mktemp("report-out"))


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("headless Chromium is missing: run `bash scripts/install-browser.sh`")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never download anything
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


# --- helpers -----------------------------------------------------------------------------------


def load(driver: Any, page: Path) -> dict[str, list[str]]:
    """Open ``page``; return its console errors and the requests it sent over the network."""
    driver.get_log("browser")  # drop what earlier pages left
    driver.get_log("performance")
    driver.get(page.resolve().as_uri())
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    requests = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            url = msg["params"]["request"]["url"]
            if url.split(":", 1)[0].lower() in ("http", "https", "ws", "wss", "ftp"):
                requests.append(url)
    return {"errors": errors, "requests": requests}


def distinct_colours(png: bytes) -> int:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        colours = im.convert("RGB").getcolors(maxcolors=1 << 16)
    return 1 << 16 if colours is None else len(colours)


def full_page_png(driver: Any) -> bytes:
    import base64

    width, height = driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 12000), "scale": 1},
    })
    return base64.b64decode(shot["data"])


class _Refs(HTMLParser):
    """Collects every URL-valued attribute and the text of <style>/<script>."""

    URL_ATTRS = {"src", "href", "srcset", "action", "poster", "data", "xlink:href", "background", "formaction"}

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.code: list[str] = []
        self.tags: list[str] = []
        self._in_code = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [v or "" for k, v in attrs if k in self.URL_ATTRS]
        self.urls += [v or "" for k, v in attrs if k == "style" and v and "url(" in v]
        self._in_code = tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self._in_code = False

    def handle_data(self, data: str) -> None:
        if self._in_code:
            self.code.append(data)


# --- the HTML as text --------------------------------------------------------------------------


def test_report_has_charts_and_targets_table(tables: Path, report: Path) -> None:
    assert report == report.parent / "index.html"
    page = report.read_text(encoding="utf-8")
    targets = read_table(tables, TARGETS).to_pandas()
    clauses = read_table(tables, CLAUSES).to_pandas()
    assert len(targets) > 10 and clauses["lead_agencies"].map(len).sum() > 0  # real data to show

    for chart in CHARTS:
        m = re.search(rf'<div class="chart" data-chart="{chart}"><svg .*?</svg></div>', page, re.S)
        assert m, chart
        assert m.group(0).count('class="bar"') >= 3, chart
    for doc_id in DOCS:
        assert f">{doc_id}</text>" in page  # one label-mix row per document

    table = re.search(r'<table id="targets-table".*?</table>', page, re.S)
    assert table
    headers = re.findall(r"<th [^>]*>([^<]*)</th>", table.group(0))
    assert headers == ["document", "indicator", "value", "value_max", "unit", "comparator", "kind",
                       "year", "per_year", "clause in context"]
    assert table.group(0).count("<tr>") == len(targets) + 1
    assert table.group(0).count("<mark>") == len(targets)
    # the clause in context: a target's span is marked inside its clause
    t = targets.iloc[0]
    clause = clauses.set_index("clause_id").loc[t["clause_id"]]
    a = t["start"] - clause["start"]
    assert f"{clause['text'][:a]}<mark>{t['text']}</mark>" in page
    assert "婁底市" in page  # traditional Chinese text as is


def test_report_is_self_contained(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    refs = _Refs()
    refs.feed(page)
    assert refs.urls == []  # no src/href at all: nothing to fetch
    code = "".join(refs.code)
    for needle in ("http", "://", "@import", "url(", "@font-face"):
        assert needle not in code, needle
    assert not {"link", "img", "iframe", "object", "embed", "base", "video", "audio"} & set(refs.tags)
    assert refs.code and "<script>" in page and "<style>" in page


def test_report_escapes_text(tmp_path: Path) -> None:
    """Hostile text in every table is shown as text, never interpreted as markup."""
    evil = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">&amp;"\''
    now = datetime(2026, 1, 1, tzinfo=UTC)
    doc = "evil-doc"
    text = f"目标{evil}达到90%以上。"
    write_table(tmp_path, DOCUMENTS, [{
        "doc_id": doc, "source_path": f"in/{evil}.txt", "text": text, "title": evil, "doc_number": evil,
        "issuer": evil, "published": None, "script": "simplified", "encoding": "utf-8", "format": "text",
        "content_sha256": "0", "n_clauses": 1, "pipeline_version": "0", "model_version": evil, "ingested_at": now,
    }])
    write_table(tmp_path, CLAUSES, [{
        "doc_id": doc, "clause_id": f"{doc}#0000", "seq": 0, "start": 0, "end": len(text), "text": text,
        "section": [evil], "provision_id": evil, "is_heading": False, "lead_agencies": [evil],
        "partner_agencies": [], "label": evil, "confidence": 0.5, "model_version": evil,
    }])
    span = text.index("达到")
    write_table(tmp_path, TARGETS, [{
        "doc_id": doc, "clause_id": f"{doc}#0000", "start": span, "end": span + 7, "text": text[span:span + 7],
        "indicator": evil, "value": 90.0, "value_max": None, "unit": evil, "comparator": ">=", "kind": evil,
        "year": None, "per_year": False,
    }])
    write_table(tmp_path, ERRORS, [{"source_path": evil, "stage": evil, "error": evil, "at": now}])
    page = write_report(tmp_path, tmp_path / "out").read_text(encoding="utf-8")
    assert evil not in page and "<img" not in page and page.count("<script>") == 1
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page


def test_report_of_empty_folder(tmp_path: Path) -> None:
    page = write_report(tmp_path / "nothing", tmp_path / "out").read_text(encoding="utf-8")
    for chart in CHARTS:
        assert f'data-chart="{chart}"' in page
    assert "No targets." in page


# --- in the browser ----------------------------------------------------------------------------


def test_report_in_headless_chromium(browser: Any, report: Path, tables: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    seen = load(browser, report)
    assert seen == {"errors": [], "requests": []}
    assert browser.execute_script("return document.documentElement.dataset.ready") == "1"  # script ran to the end

    # the charts are live SVG with visible bars, and each one is drawn (not a blank box)
    for chart in CHARTS:
        el = browser.find_element(By.CSS_SELECTOR, f'[data-chart="{chart}"]')
        boxes = browser.execute_script(
            "return Array.from(arguments[0].querySelectorAll('svg rect.bar'))"
            ".map(r => { const b = r.getBoundingClientRect(); return [b.width, b.height]; })", el)
        assert len(boxes) >= 3 and all(w > 0 and h > 0 for w, h in boxes), chart
        assert distinct_colours(el.screenshot_as_png) >= 4, chart

    # same indicator, different documents: the five most shared indicators, each a visible
    # table of at least two documents' targets, matching the indicators table
    ind = read_table(tables, INDICATORS).to_pandas()
    shared = ind[ind["n_documents"] >= 2]
    cards = browser.find_elements(By.CSS_SELECTOR, "#shared-indicators .indicator-card")
    assert len(cards) >= 5 and len(cards) == min(len(shared), 8)
    for card in cards:
        key = card.get_attribute("data-indicator")
        rows = card.find_elements(By.CSS_SELECTOR, "tbody tr")
        assert len(rows) == int(ind.loc[ind["indicator_key"] == key, "n_targets"].iloc[0]) >= 2
        assert card.size["width"] > 0 and card.size["height"] > 0

    # the whole page: non-blank, and kept for a look when asked
    png = full_page_png(browser)
    assert distinct_colours(png) >= 16
    (tmp_path / "report.png").write_bytes(png)
    if os.environ.get("REPORT_SCREENSHOT"):
        Path(os.environ["REPORT_SCREENSHOT"]).write_bytes(png)

    # the page's font stack sets Chinese in full-width glyphs (look at the screenshot for the rest)
    widths = browser.execute_script(
        "const c = document.createElement('canvas').getContext('2d');"
        "c.font = '20px ' + getComputedStyle(document.body).fontFamily;"
        "return [c.measureText('婁底市').width, c.measureText('iii').width];")
    assert widths[0] > 2.5 * widths[1]

    # clicking headers sorts the targets table; nulls stay last
    n_targets = len(read_table(tables, TARGETS))
    table = browser.find_element(By.ID, "targets-table")
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == n_targets

    def column(name: str) -> list[str]:
        return browser.execute_script(
            "const t = arguments[0]; const i = Array.from(t.tHead.rows[0].cells)"
            ".findIndex(th => th.dataset.col === arguments[1]);"
            "return Array.from(t.tBodies[0].rows).map(r => r.cells[i].dataset.sort);", table, name)

    header = table.find_element(By.CSS_SELECTOR, 'th[data-col="value"]')
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    values = [float(v) for v in column("value")]
    assert values == sorted(values) and values != sorted(values, reverse=True)
    header.click()
    assert header.get_attribute("aria-sort") == "descending"
    assert [float(v) for v in column("value")] == sorted(values, reverse=True)

    year = table.find_element(By.CSS_SELECTOR, 'th[data-col="year"]')
    year.click()
    years = column("year")
    known = [int(y) for y in years if y]
    assert known == sorted(known) and all(not y for y in years[len(known):])

    # the filter hides rows that do not match
    box = browser.find_element(By.CSS_SELECTOR, 'input.filter[data-for="targets-table"]')
    box.send_keys("%")
    shown = browser.execute_script(
        "return Array.from(arguments[0].tBodies[0].rows).filter(r => !r.hidden).length", table)
    assert 0 < shown < n_targets
    assert browser.find_element(By.CSS_SELECTOR, '[data-count-for="targets-table"]').text == f"{shown} of {n_targets}"
    assert load(browser, report)["errors"] == []  # nothing went wrong while clicking either


def test_browser_check_catches_broken_pages(browser: Any, tmp_path: Path) -> None:
    """The checks above can fail: a script error and an outside request are both reported."""
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><html><body><p>x</p><script>notDefined();</script></body></html>")
    errors = load(browser, broken)["errors"]
    assert len(errors) == 1 and "notDefined" in errors[0]

    # loopback port 9 (discard): nothing listens, so nothing leaves the machine
    fetching = tmp_path / "fetching.html"
    fetching.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png"></body></html>')
    assert load(browser, fetching)["requests"] == ["http://127.0.0.1:9/x.png"]

    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body style='background:#fff'></body></html>")
    load(browser, blank)
    assert distinct_colours(full_page_png(browser)) == 1


def test_report_table_counts_match_tables(tables: Path, report: Path) -> None:
    """The summary cards agree with the parquet tables."""
    page = report.read_text(encoding="utf-8")
    docs = read_table(tables, DOCUMENTS).to_pandas()
    clauses = read_table(tables, CLAUSES).to_pandas()
    for n, what in ((len(docs), "documents"), (len(clauses), "clauses"),
                    (len(read_table(tables, TARGETS)), "targets")):
        assert f"<b>{n:,}</b><span>{what}</span>" in page
