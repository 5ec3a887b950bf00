"""Fault-injection matrix: every command fails cleanly.

One row per fault: the exit code, the one line on stderr (``error: <where>: <what>``) and
that nothing already written changed — the output folder and the classifier registry are
byte-compared before and after, and a folder that did not exist still does not. Most rows
run in-process (``CliRunner``, ``--no-prefect`` where the fault is not about Prefect);
signals and the Prefect rows run the command in a subprocess.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from filelock import FileLock, Timeout
from typer.testing import CliRunner

from flows.cli import app
from pipeline.settings import get_settings

from .conftest import ANNOTATIONS, CORPUS, ROOT

BIN = Path(sys.executable).parent
GOOD = "关于加快质量发展的实施意见\n一、主要目标\n到2020年,产品质量合格率达到90%以上。\n二、主要任务\n1.加强质量监管。严厉打击假冒伪劣。\n"
SECOND = "关于推进标准化建设的实施意见\n一、主要目标\n到2025年,主要产品采标率达到95%以上。\n二、保障措施\n加强组织领导。\n"
REGISTRY = ROOT / "models" / "clause-classifier"
CURRENT = json.loads((REGISTRY / "registry.json").read_text(encoding="utf-8"))["current"]
GOLD_DOC = "gansu-2015-quality-action-plan"


def snapshot(*paths: Path) -> dict[str, bytes | None]:
    """Every file under each path (dot files too) with its bytes; a missing path maps to None."""
    out: dict[str, bytes | None] = {}
    for root in paths:
        if not root.exists():
            out[str(root)] = None
        elif root.is_file():
            out[str(root)] = root.read_bytes()
        else:
            out[str(root)] = b"<folder>"
            for p in sorted(root.rglob("*")):
                out[str(p)] = p.read_bytes() if p.is_file() else b"<folder>"
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- shared set-ups --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_tables(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder written by one complete run (one document, no classifier)."""
    src = tmp_path_factory.mktemp("base-src")
    (src / "first.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path_factory.mktemp("base") / "out"
    r = CliRunner().invoke(app, ["ingest", str(src), "--out", str(out), "--no-prefect", "--no-classifier"])
    assert r.exit_code == 0, r.output
    assert (out / "documents.parquet").exists()
    return out


@dataclass
class Case:
    """What a row runs and what it must see."""

    args: list[str]
    line: str  # the expected stderr line, a regular expression matched in full
    code: int = 2
    watched: list[Path] = field(default_factory=list)  # byte-compared before and after
    input: str | None = None
    keep: Any = None  # held open while the command runs (a busy port)


class Ctx:
    """A row's workspace: a temporary folder, patching, and the project's models."""

    def __init__(self, tmp: Path, monkeypatch: pytest.MonkeyPatch, base: Path):
        self.tmp, self.mp, self.base = tmp, monkeypatch, base

    def src(self, *texts: str) -> Path:
        d = self.tmp / "src"
        d.mkdir(exist_ok=True)
        for i, text in enumerate(texts or (SECOND,)):
            (d / f"doc{i}.txt").write_text(text, encoding="utf-8")
        return d

    def tables(self) -> Path:
        """A copy of the base output folder (a previous complete run)."""
        out = self.tmp / "out"
        shutil.copytree(self.base, out)
        return out

    def models(self, nlp: str = "link") -> Path:
        """A models folder: the registry and its current version copied; the spaCy pipeline
        linked (``link``), absent (``missing``) or with a truncated pkuseg model (``truncated``)."""
        m = self.tmp / "models"
        reg = m / "clause-classifier"
        reg.mkdir(parents=True)
        shutil.copy(REGISTRY / "registry.json", reg / "registry.json")
        shutil.copytree(REGISTRY / CURRENT, reg / CURRENT)
        (m / "lexicon").symlink_to(ROOT / "models" / "lexicon")
        if nlp == "link":
            for name in ("policy-nlp", "zh-pkuseg", "pkuseg-mixed"):
                (m / name).symlink_to(ROOT / "models" / name)
        elif nlp == "truncated":
            real = ROOT / "models" / "zh-pkuseg"
            for p in sorted(real.rglob("*")):
                dest = m / "zh-pkuseg" / p.relative_to(real)
                dest.parent.mkdir(parents=True, exist_ok=True)
                if p.is_dir():
                    dest.mkdir(exist_ok=True)
                elif p.name == "features.msgpack":  # a provisioning cut short
                    dest.write_bytes(p.read_bytes()[:100_000])
                else:
                    dest.symlink_to(p)
        self.env("POLICY_MODELS_DIR", str(m))
        return m

    def env(self, name: str, value: str) -> None:
        self.mp.setenv(name, value)
        get_settings.cache_clear()

    def gold(self, broken_line: int | None = None) -> Path:
        """An annotation folder with one document's gold; ``broken_line`` (1-based) made bad JSON."""
        d = self.tmp / "gold"
        d.mkdir()
        lines = (ANNOTATIONS / f"{GOLD_DOC}.jsonl").read_text(encoding="utf-8").splitlines()
        if broken_line is not None:
            lines[broken_line - 1] = lines[broken_line - 1][:40]
        (d / f"{GOLD_DOC}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return d

    def fail_tables(self, err: int) -> None:
        """Table writes fail with ``err``: ENOSPC when the data is flushed, others at creation."""
        import pipeline.tables as tables

        def boom(*_: Any, **__: Any) -> Any:
            raise OSError(err, os.strerror(err))

        self.mp.setattr(tables.os if err == errno.ENOSPC else tables.tempfile,
                        "fsync" if err == errno.ENOSPC else "mkstemp", boom)

    def fail_paths(self, err: int, match: Callable[[Path], bool]) -> None:
        """Creating a folder, or opening the report for writing, fails with ``err`` where ``match``."""
        import pipeline.report.page as report

        real_open, real_mkdir = open, Path.mkdir

        def fake_open(file: Any, mode: str = "r", *a: Any, **k: Any) -> Any:
            if "w" in mode and match(Path(file)):
                raise OSError(err, os.strerror(err), str(file))
            return real_open(file, mode, *a, **k)

        def fake_mkdir(self_: Path, *a: Any, **k: Any) -> None:
            if match(self_) and not self_.exists():
                raise OSError(err, os.strerror(err), str(self_))
            real_mkdir(self_, *a, **k)

        self.mp.setattr(report, "open", fake_open, raising=False)
        self.mp.setattr(Path, "mkdir", fake_mkdir)


def foreign_parquet(path: Path) -> None:
    """A parquet file another program wrote, under one of our table names."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"id": [1, 2], "amount": [3.5, 4.0]}), path)


def refused_port() -> int:
    """A loopback port nothing listens on (connection refused at once)."""
    return free_port()


def no_nlp_cache(mp: pytest.MonkeyPatch) -> None:
    """A fresh pipeline cache for this row, so it loads from the row's models folder."""
    import pipeline.targets.nlp as nlp

    mp.setattr(nlp, "_load_nlp", functools.lru_cache(maxsize=1)(nlp._load_nlp.__wrapped__))


REG_HELP = (r"restore it from git \(`git checkout -- models/clause-classifier`\) or a backup, or register a new "
            r"model with `policy-clauses train --make-current`")
REPAIR_HELP = (r"restore it from git \(`git checkout -- models/clause-classifier/registry.json`\) or a backup; "
               r"it lists the trained model versions, so fix it rather than delete it")
PKUSEG_HELP = (r"the pkuseg model is not provisioned here; run `make models` \(or `make run` / `make test`, which "
               r"do it\) to download pkuseg==0.0.25 from PyPI, verify its hash and build the tokenizer pipeline")
TABLES_HELP = "run `policy-clauses ingest SRC --out {d}` first, or give --tables the --out folder of an ingest"


def e(where: Path | str, what: str) -> str:
    """The expected line: ``where`` taken literally, ``what`` a regular expression."""
    return "error: " + re.escape(str(where)) + ": " + what


# --- the rows --------------------------------------------------------------------------------
# Each builds its fault and returns the command and what it must see.


def out_is_a_file(c: Ctx) -> Case:
    out = c.tmp / "tables.parquet"
    out.write_bytes(b"someone's file")
    return Case(["ingest", str(c.src()), "--out", str(out), "--no-prefect"],
                e(out, r"is a file, not a folder; give --out a folder \(it is created if missing\)"), watched=[out])


def report_out_is_a_file(c: Ctx) -> Case:
    out = c.tmp / "report.html"
    out.write_text("<p>an older report</p>", encoding="utf-8")
    tables = c.tables()
    return Case(["report", "--tables", str(tables), "--out", str(out)],
                e(out, r"is a file, not a folder; give --out a folder \(it is created if missing\)"),
                watched=[out, tables])


def out_not_writable(c: Ctx) -> Case:
    out = c.tables()
    c.fail_tables(errno.EACCES)
    return Case(["ingest", str(c.src()), "--out", str(out), "--no-prefect", "--no-classifier"],
                e(out, r"cannot write the tables here; none was replaced \(Permission denied\); choose a folder "
                       r"you can write to, or fix its permissions"), watched=[out])


def out_parent_not_writable(c: Ctx) -> Case:
    out = c.tmp / "read-only" / "out"
    c.fail_paths(errno.EROFS, lambda p: p == out)
    return Case(["ingest", str(c.src()), "--out", str(out), "--no-prefect", "--no-classifier"],
                e(out, r"cannot create the output folder \(Read-only file system\); choose a folder you can "
                       r"write to, or fix its permissions"), watched=[out])


def disk_full(c: Ctx) -> Case:
    out = c.tables()
    c.fail_tables(errno.ENOSPC)
    return Case(["ingest", str(c.src()), "--out", str(out), "--no-prefect", "--no-classifier"],
                e(out, r"cannot write the tables here; none was replaced \(No space left on device\); free some "
                       r"space or choose another folder, then run again"), watched=[out])


def report_disk_full(c: Ctx) -> Case:
    tables, out = c.tables(), c.tmp / "report"
    c.fail_paths(errno.ENOSPC, lambda p: out in (p, *p.parents))
    return Case(["report", "--tables", str(tables), "--out", str(out)],
                e(out, r"cannot write the report here \(No space left on device\); free some space or choose "
                       r"another folder, then run again"), watched=[out, tables])


def report_out_not_writable(c: Ctx) -> Case:
    tables, out = c.tables(), c.tmp / "locked" / "report"
    c.fail_paths(errno.EACCES, lambda p: out in (p, *p.parents))
    return Case(["report", "--tables", str(tables), "--out", str(out)],
                e(out, r"cannot write the report here \(Permission denied\); choose a folder you can write to, "
                       r"or fix its permissions"), watched=[out, tables])


def tables_missing(c: Ctx) -> Case:
    tables, out = c.tmp / "no" / "such" / "folder", c.tmp / "report"
    return Case(["report", "--tables", str(tables), "--out", str(out)],
                e(tables, "no such folder; " + re.escape(TABLES_HELP.format(d=tables))), watched=[out, tables])


def tables_empty(c: Ctx) -> Case:
    tables, out = c.tmp / "empty", c.tmp / "report"
    tables.mkdir()
    return Case(["report", "--tables", str(tables), "--out", str(out)],
                e(tables, "is empty: it holds no tables; " + re.escape(TABLES_HELP.format(d=tables))),
                watched=[out, tables])


def tables_of_another_program(c: Ctx) -> Case:
    tables, out = c.tmp / "theirs", c.tmp / "report"
    foreign_parquet(tables / "documents.parquet")
    return Case(["report", "--tables", str(tables), "--out", str(out)],
                e(tables / "documents.parquet",
                  r"is not a policy-clauses documents table \(its columns: id, amount\); another program wrote it\? "
                  r"It was left as it is — move it away or use another folder"), watched=[out, tables])


def tables_without_ours(c: Ctx) -> Case:
    tables, out = c.tmp / "elsewhere", c.tmp / "report"
    foreign_parquet(tables / "sales.parquet")
    return Case(["report", "--tables", str(tables), "--out", str(out)],
                e(tables, r"holds no documents\.parquet \(it has: sales\.parquet\); "
                  + re.escape(TABLES_HELP.format(d=tables))), watched=[out, tables])


def out_holds_another_programs_parquet(c: Ctx) -> Case:
    out = c.tmp / "out"
    foreign_parquet(out / "errors.parquet")
    return Case(["ingest", str(c.src()), "--out", str(out), "--no-prefect"],
                e(out / "errors.parquet",
                  r"is not a policy-clauses errors table \(its columns: id, amount\); another program wrote it\? "
                  r"It was left as it is — move it away or use another folder"), watched=[out])


def registry_missing(c: Ctx) -> Case:
    m = c.models()
    (m / "clause-classifier" / "registry.json").unlink()
    return Case(["predict", "到2020年,产品质量合格率达到90%以上。"],
                e(m / "clause-classifier" / "registry.json", "missing, so no classifier can label the clauses; " + REG_HELP),
                watched=[m / "clause-classifier"])


def registry_not_json(c: Ctx) -> Case:
    m = c.models()
    path = m / "clause-classifier" / "registry.json"
    path.write_text(path.read_text(encoding="utf-8")[:60], encoding="utf-8")  # cut short by a crash
    return Case(["predict", "到2020年,产品质量合格率达到90%以上。"],
                e(path, r"is not valid JSON \([^()]+ at line \d+ column \d+\); " + REPAIR_HELP),
                watched=[m / "clause-classifier"])


def ingest_registry_not_json(c: Ctx) -> Case:
    m = c.models()
    path = m / "clause-classifier" / "registry.json"
    path.write_text("{not json", encoding="utf-8")
    out = c.tmp / "out"
    return Case(["ingest", str(c.src()), "--out", str(out), "--no-prefect"],
                e(path, r"is not valid JSON \([^()]+ at line 1 column 2\); " + REPAIR_HELP),
                watched=[m / "clause-classifier", out])


def registry_version_gone(c: Ctx) -> Case:
    m = c.models()
    shutil.rmtree(m / "clause-classifier" / CURRENT)
    return Case(["predict", "到2020年,产品质量合格率达到90%以上。"],
                e(m / "clause-classifier" / CURRENT,
                  re.escape(f"the registry's model version {CURRENT!r} is gone (no model.joblib); restore the folder "
                            "from git or a backup, or register a new model with `policy-clauses train --make-current`")),
                watched=[m / "clause-classifier"])


def registry_wrong_sha256(c: Ctx) -> Case:
    m = c.models()
    path = m / "clause-classifier" / "registry.json"
    reg = json.loads(path.read_text(encoding="utf-8"))
    reg["versions"][CURRENT]["sha256"] = "0" * 64
    path.write_text(json.dumps(reg, indent=1), encoding="utf-8")
    out = c.tmp / "out"
    return Case(["ingest", str(c.src()), "--out", str(out), "--no-prefect"],
                e(m / "clause-classifier" / CURRENT / "model.joblib",
                  r"sha256 [0-9a-f]{64} does not match the registry's 0{64}; refusing to load it \(joblib files run "
                  r"code when loaded\); restore the file from git or a backup, or retrain with "
                  r"`policy-clauses train --make-current`"), watched=[m / "clause-classifier", out])


def pkuseg_missing(c: Ctx) -> Case:
    m = c.models(nlp="missing")
    no_nlp_cache(c.mp)
    return Case(["predict", "到2020年,产品质量合格率达到90%以上。"], e(m / "zh-pkuseg", PKUSEG_HELP),
                watched=[m / "clause-classifier"])


def pkuseg_truncated(c: Ctx) -> Case:
    m = c.models(nlp="truncated")
    no_nlp_cache(c.mp)
    out = c.tmp / "out"
    return Case(["ingest", str(c.src()), "--out", str(out), "--no-prefect", "--no-classifier"],
                e(m / "zh-pkuseg", r"cannot be loaded \([A-Za-z]+Error: [^\n]*\): a model file is truncated or "
                                   r"damaged; remove this folder and run `make models` to provision it again"),
                watched=[out, m / "clause-classifier"])


def annotations_missing(c: Ctx) -> Case:
    d = c.tmp / "no-gold"
    return Case(["evaluate", "--dir", str(d)],
                e(d, re.escape("no such folder; give --dir the folder of the gold annotation files (*.jsonl)")),
                watched=[d])


def annotations_check_missing(c: Ctx) -> Case:
    d = c.tmp / "no-gold"
    return Case(["annotations", "check", "--dir", str(d)],
                e(d, re.escape("no such folder; give --dir the folder of the gold annotation files (*.jsonl)")),
                watched=[d])


def train_on_a_malformed_line(c: Ctx) -> Case:
    m = c.models()
    gold = c.gold(broken_line=5)
    c.env("POLICY_ANNOTATIONS_DIR", str(gold))
    return Case(["train", "--make-current"],
                e(f"{gold / GOLD_DOC}.jsonl:5", r"bad JSON \([^()]+ at column \d+\); fix it and run again"),
                watched=[m / "clause-classifier", gold])


def evaluate_a_malformed_line(c: Ctx) -> Case:
    gold = c.gold(broken_line=3)
    return Case(["evaluate", "--dir", str(gold)],
                e(f"{gold / GOLD_DOC}.jsonl:3", r"bad JSON \([^()]+ at column \d+\); fix it and run again"),
                watched=[gold])


def unknown_dask_address(c: Ctx) -> Case:
    port = refused_port()
    out = c.tmp / "out"
    return Case(["ingest", str(c.src()), "--out", str(out), "--dask-address", f"tcp://127.0.0.1:{port}"],
                e(f"--dask-address tcp://127.0.0.1:{port}",
                  re.escape(f"no Dask scheduler answers there (connection refused); start one with `policy-clauses "
                            f"cluster --port {port}`, or leave --dask-address out to run the tasks in this process")),
                watched=[out])


def malformed_dask_address(c: Ctx) -> Case:
    out = c.tmp / "out"
    return Case(["ingest", str(c.src()), "--out", str(out), "--dask-address", "scheduler:8786"],
                e("--dask-address scheduler:8786", re.escape(
                    "is not a Dask scheduler address; give tcp://HOST:PORT, as `policy-clauses cluster` prints it")),
                watched=[out])


PREFECT_NOWHERE = ("no Prefect server answers there (connection refused); start it (`prefect server start`), point "
                   "PREFECT_API_URL at the running one, or unset it to let each command start a temporary server")


def prefect_api_nowhere(c: Ctx) -> Case:
    url = f"http://127.0.0.1:{refused_port()}/api"
    c.env("PREFECT_API_URL", url)
    out = c.tmp / "out"
    return Case(["ingest", str(c.src()), "--out", str(out)],
                e(f"PREFECT_API_URL={url}", re.escape(PREFECT_NOWHERE)), watched=[out])


def serve_prefect_api_nowhere(c: Ctx) -> Case:
    url = f"http://127.0.0.1:{refused_port()}/api"
    c.env("PREFECT_API_URL", url)
    inbox = c.tmp / "inbox"
    c.env("POLICY_INBOX", str(inbox))
    return Case(["serve"], e(f"PREFECT_API_URL={url}", re.escape(PREFECT_NOWHERE)), watched=[inbox])


def serve_bad_setting(c: Ctx) -> Case:
    c.env("POLICY_WORKERS", "two")
    return Case(["serve"], e("POLICY_WORKERS=two", r"Input should be a valid integer[^;]*; set it to a valid value "
                                                   r"or unset it for the default"))


def cluster_port_in_use(c: Ctx) -> Case:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    return Case(["cluster", "--workers", "1", "--port", str(port)],
                e(f"--host 127.0.0.1 --port {port}", re.escape(
                    "cannot listen there (address already in use); another program (a running cluster?) may use "
                    "the port: stop it, or choose another port (0 for any free one)")), keep=busy)


# fmt: off
ROWS: dict[str, Callable[[Ctx], Case]] = {f.__name__: f for f in (
    out_is_a_file, report_out_is_a_file, out_not_writable, out_parent_not_writable, disk_full,
    report_disk_full, report_out_not_writable, tables_missing, tables_empty, tables_of_another_program,
    tables_without_ours, out_holds_another_programs_parquet, registry_missing, registry_not_json,
    ingest_registry_not_json, registry_version_gone, registry_wrong_sha256, pkuseg_missing, pkuseg_truncated,
    annotations_missing, annotations_check_missing, train_on_a_malformed_line, evaluate_a_malformed_line,
    unknown_dask_address, malformed_dask_address, prefect_api_nowhere, serve_prefect_api_nowhere,
    serve_bad_setting, cluster_port_in_use,
)}
# fmt: on


@pytest.fixture
def clean_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize("row", list(ROWS))
def test_fault(row: str, base_tables: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               clean_settings: None) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    case = ROWS[row](Ctx(tmp_path, monkeypatch, base_tables))
    watched = [*case.watched, REGISTRY]
    before = snapshot(*watched)
    r = CliRunner().invoke(app, case.args, input=case.input)
    stderr_lines = r.stderr.splitlines()
    assert r.exit_code == case.code, (r.output, r.exception)
    assert "Traceback" not in r.output
    assert len(stderr_lines) == 1, r.stderr  # one line, nothing else
    assert re.fullmatch(case.line, stderr_lines[0]), f"\n{stderr_lines[0]}\n!~\n{case.line}"
    assert snapshot(*watched) == before  # nothing already written changed, nothing half-made
    assert r.stdout == ""
    if case.keep is not None:
        case.keep.close()


def test_an_unexpected_exception_keeps_its_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug is not dressed up as a user error: traceback, exit 1."""
    import pipeline.report.page as report

    def bug(*_: Any) -> str:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(report, "render_page", bug)
    tables = tmp_path / "t"
    from pipeline.tables import DOCUMENTS, write_table

    write_table(tables, DOCUMENTS, [])
    r = CliRunner().invoke(app, ["report", "--tables", str(tables), "--out", str(tmp_path / "r")])
    assert r.exit_code == 1
    assert isinstance(r.exception, ZeroDivisionError)
    assert not (tmp_path / "r").exists()


def test_the_matrix_has_twenty_rows_or_more() -> None:
    assert len(ROWS) + 2 + 2 >= 20  # + the signal rows and the Prefect rows below


# --- signals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_during_ingest(sig: signal.Signals, base_tables: Path, tmp_path: Path) -> None:
    """Previous tables intact, the lock released, one line, 128 + signal; a second run proceeds."""
    out = tmp_path / "out"
    shutil.copytree(base_tables, out)
    src = tmp_path / "src"
    src.mkdir()
    for name in ("shanghai-2021-eco-environment-plan", "national-2018-no1-rural-revitalization",
                 "anhui-2021-industrial-internet", "henan-2017-quality-brand-interpretation"):
        shutil.copy(CORPUS / f"{name}.txt", src / f"{name}.txt")
    before = snapshot(out)
    proc = subprocess.Popen([str(BIN / "policy-clauses"), "ingest", str(src), "--out", str(out), "--no-prefect",
                             "--no-classifier"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        lock = FileLock(str(out / ".ingest.lock"))
        while True:  # wait until the run holds the output folder's lock
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run never took the lock"
            try:
                lock.acquire(timeout=0)
                lock.release()
            except Timeout:
                break
            time.sleep(0.05)
        time.sleep(0.5)
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    name = signal.Signals(sig).name
    assert proc.returncode == 128 + sig, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    line = (f"error: {out}: interrupted by {name}; the tables there are as the last complete run left them; "
            "run the command again to finish")
    # One error line, the last (a stale models/policy-nlp build may warn before it).
    assert [ln for ln in stderr.splitlines() if ln.startswith("error:")] == [line], stderr
    assert stderr.strip().splitlines()[-1] == line
    assert snapshot(out) == before  # no table replaced, no temporary file left
    lock.acquire(timeout=0)  # released
    lock.release()
    (src / "more.txt").write_text(SECOND, encoding="utf-8")
    for p in list(src.iterdir()):
        if p.name != "more.txt":
            p.unlink()
    r = CliRunner().invoke(app, ["ingest", str(src), "--out", str(out), "--no-prefect", "--no-classifier", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout.strip().splitlines()[-1])["new"] == 1


# --- through Prefect -----------------------------------------------------------------------------


def _stop(proc: subprocess.Popen, timeout: float = 30) -> None:  # type: ignore[type-arg]
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A Prefect server on a free loopback port; the environment that points at it."""
    port = free_port()
    home = tmp_path_factory.mktemp("prefect-faults-home")
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_API_URL": api, "PREFECT_SERVER_UI_API_URL": api,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
           "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(home / "storage")}
    env.pop("POLICY_MODELS_DIR", None)
    log = open(home / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{api}/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc)
            pytest.fail("prefect server did not start:\n" + (home / "server.log").read_text()[-3000:])
        time.sleep(0.5)
    try:
        yield env
    finally:
        _stop(proc)
        log.close()


def _flow_runs(api: str, name: str) -> list[dict[str, Any]]:
    """The server's flow runs of this name, newest first."""
    req = urllib.request.Request(f"{api}/flow_runs/filter", method="POST",
                                 data=json.dumps({"limit": 100, "sort": "EXPECTED_START_TIME_DESC"}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        runs = json.loads(r.read())
    return [run for run in runs if run["name"] == name]


@pytest.mark.server
def test_a_flow_run_fails_with_the_error_as_its_state_message(server: dict[str, str], tmp_path: Path) -> None:
    """``ingest`` through Prefect meets a damaged pkuseg model in its task: exit 2 with one
    line, and the flow run is Failed with that line as its state message (no task retries)."""
    ctx = Ctx(tmp_path, pytest.MonkeyPatch(), tmp_path)
    try:
        models = ctx.models(nlp="truncated")
    finally:
        ctx.mp.undo()
        get_settings.cache_clear()
    src = ctx.src()
    out = tmp_path / "out"
    env = {**server, "POLICY_MODELS_DIR": str(models)}
    r = subprocess.run([str(BIN / "policy-clauses"), "ingest", str(src), "--out", str(out)], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stderr[-3000:]
    line = r.stderr.strip().splitlines()[-1]
    assert re.fullmatch(e(models / "zh-pkuseg", r"cannot be loaded \(.*\): a model file is truncated or damaged; "
                                                r"remove this folder and run `make models` to provision it again"),
                        line), line
    assert [ln for ln in r.stderr.splitlines() if ln.startswith("error:")] == [line]
    assert not out.exists()  # the run made the folder, and removed it again
    runs = _flow_runs(server["PREFECT_API_URL"], f"ingest {out}")
    assert len(runs) == 1
    assert runs[0]["state"]["type"] == "FAILED"
    assert runs[0]["state"]["message"] == line.removeprefix("error: ")
    req = urllib.request.Request(f"{server['PREFECT_API_URL']}/task_runs/filter", method="POST",
                                 data=json.dumps({"flow_runs": {"id": {"any_": [runs[0]["id"]]}}}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        tasks = json.loads(resp.read())
    assert tasks and all(t["run_count"] == 1 and t["state"]["type"] == "FAILED" for t in tasks)  # not retried


@pytest.mark.server
def test_the_served_deployment_keeps_serving_after_a_failed_run(server: dict[str, str], tmp_path: Path) -> None:
    """A scheduled run meets another program's table in POLICY_OUT: it fails with the error as
    its state message, nothing written; once the table is moved away, the next run ingests."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    (inbox / "first.txt").write_text(GOOD, encoding="utf-8")
    foreign_parquet(out / "documents.parquet")
    before = snapshot(out)
    env = {**server, "POLICY_INBOX": str(inbox), "POLICY_OUT": str(out), "POLICY_INGEST_INTERVAL_MINUTES": "0.05"}
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115
    serve = subprocess.Popen([str(BIN / "policy-clauses"), "serve"], env=env, cwd=ROOT, stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True)
    expected = (f"{out / 'documents.parquet'}: is not a policy-clauses documents table (its columns: id, amount); "
                "another program wrote it? It was left as it is — move it away or use another folder")
    try:
        deadline = time.monotonic() + 120
        failed: list[dict[str, Any]] = []
        while not failed:
            assert serve.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()[-3000:]
            failed = [r for r in _flow_runs(server["PREFECT_API_URL"], f"ingest {out}")
                      if r["state"] and r["state"]["type"] == "FAILED"]
            time.sleep(1)
        assert failed[0]["state"]["message"] == expected
        assert snapshot(out) == before
        (out / "documents.parquet").unlink()
        deadline = time.monotonic() + 150
        while not (out / "documents.parquet").exists():
            assert serve.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "no later scheduled run ingested:\n" + \
                (tmp_path / "serve.log").read_text()[-3000:]
            time.sleep(1)
    finally:
        _stop(serve)
        log.close()
    assert pq.read_table(out / "documents.parquet").column("doc_id").to_pylist() == ["first"]
