"""The stage clock: the library's stage functions wrapped inside a real ``policy-clauses``
process, through a ``sitecustomize`` hook the benchmark puts on its PYTHONPATH."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.timing import ROOT, launch_time, rate


class Clock:
    """Exclusive wall/CPU time per stage (nested stages pause their parent) and inclusive
    time of sub-steps (pkuseg, t2s, parquet I/O) per enclosing stage."""

    def __init__(self) -> None:
        self.stack: list[list[Any]] = []
        self.wall: Counter[str] = Counter()
        self.cpu: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.sub_wall: Counter[str] = Counter()
        self.sub_calls: Counter[str] = Counter()
        self.first_result: float | None = None

    def stage(self, name: str, fn):  # type: ignore[no-untyped-def]
        def wrapped(*a, **k):  # type: ignore[no-untyped-def]
            w, c = time.perf_counter(), time.process_time()
            if self.stack:
                top = self.stack[-1]
                self.wall[top[0]] += w - top[1]
                self.cpu[top[0]] += c - top[2]
            self.stack.append([name, w, c])
            try:
                return fn(*a, **k)
            finally:
                w, c = time.perf_counter(), time.process_time()
                top = self.stack.pop()
                self.wall[name] += w - top[1]
                self.cpu[name] += c - top[2]
                self.calls[name] += 1
                if self.stack:
                    self.stack[-1][1], self.stack[-1][2] = w, c

        wrapped.__wrapped__ = fn  # type: ignore[attr-defined]
        return wrapped

    def sub(self, name: str, fn):  # type: ignore[no-untyped-def]
        def wrapped(*a, **k):  # type: ignore[no-untyped-def]
            w = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                key = f"{name}@{self.stack[-1][0] if self.stack else '-'}"
                self.sub_wall[key] += time.perf_counter() - w
                self.sub_calls[key] += 1

        wrapped.__wrapped__ = fn  # type: ignore[attr-defined]
        return wrapped


STAGE_NAMES = {
    "read": "read/decode/metadata (read_text, make_document)", "segment": "segment (segment)",
    "targets": "extract targets (extract_document_targets: nlp.pipe + years)",
    "classify": "classify (proba_clauses)", "rows": "rows (rows_for)",
    "write": "write parquet (commit)", "plan": "plan: scan, compare (excl. read)",
    "process": "process_one/Engine overhead", "ingest": "ingest loop overhead",
    "load_nlp": "load spaCy pipeline (once)", "load_classifier": "load classifier (once)",
}


def instrument(clock: Clock) -> dict[str, int]:
    """Wrap the library's stage functions (module attributes) with the clock; returns the
    live counts of documents, characters and clauses seen."""
    import spacy_pkuseg

    import pipeline.classify as classify
    import pipeline.ingest as ingest_pkg
    import pipeline.ingest.engine as engine_mod
    import pipeline.ingest.run as ingest
    import pipeline.targets as targets
    import pipeline.targets.document as document_targets
    import pipeline.targets.fastseg as fastseg
    import pipeline.targets.nlp as nlp_mod
    import pipeline.text.script as script

    counts = {"documents": 0, "chars": 0, "clauses": 0}
    # Each function is wrapped where it is looked up: the run's steps in pipeline.ingest.run,
    # segmentation in pipeline.ingest.engine, the entry point in the package the CLI imports.
    read, seg = ingest.read_text, engine_mod.segment

    def counting_read(*a, **k):  # type: ignore[no-untyped-def]
        r = read(*a, **k)
        counts["documents"] += 1
        counts["chars"] += len(r[0])
        return r

    def counting_segment(text):  # type: ignore[no-untyped-def]
        out = seg(text)
        counts["clauses"] += len(out.clauses)
        return out

    ingest.read_text = clock.stage("read", counting_read)
    ingest.make_document = clock.stage("read", ingest.make_document)
    engine_mod.segment = clock.stage("segment", counting_segment)
    ingest.rows_for = clock.stage("rows", ingest.rows_for)
    ingest.commit = clock.stage("write", ingest.commit)
    ingest.plan = clock.stage("plan", ingest.plan)
    orig_process_one = ingest.process_one

    def process_one(*a, **k):  # type: ignore[no-untyped-def]
        r = orig_process_one(*a, **k)
        if clock.first_result is None:
            clock.first_result = time.time()
        return r

    ingest.process_one = clock.stage("process", process_one)
    ingest.ingest = ingest_pkg.ingest = clock.stage("ingest", ingest.ingest)
    ingest.write_tables = clock.sub("parquet_write", ingest.write_tables)
    ingest.read_table = clock.sub("parquet_read", ingest.read_table)
    document_targets.extract_document_targets = clock.stage("targets", document_targets.extract_document_targets)
    classify.ClauseClassifier.proba_clauses = clock.stage("classify", classify.ClauseClassifier.proba_clauses)
    nlp_mod.load_nlp = clock.stage("load_nlp", nlp_mod.load_nlp)
    classify.load_current = clock.stage("load_classifier", classify.load_current)
    spacy_pkuseg.pkuseg.cut = clock.sub("pkuseg", spacy_pkuseg.pkuseg.cut)
    fastseg.FastPkuseg.cut_many = clock.sub("pkuseg", fastseg.FastPkuseg.cut_many)
    targets.PolicyChineseTokenizer.__call__ = clock.sub("tokenizer", targets.PolicyChineseTokenizer.__call__)
    targets.PolicyChineseTokenizer._docs = clock.sub("tokenizer", targets.PolicyChineseTokenizer._docs)
    script.Converter.__call__ = clock.sub("t2s", script.Converter.__call__)
    return counts


def stage_report(clock: Clock, chars: int, clauses: int, docs: int) -> dict[str, Any]:
    work = [k for k in clock.wall if k not in ("load_nlp", "load_classifier")]
    total = sum(clock.wall[k] for k in work)
    stages = {}
    for k in sorted(clock.wall, key=lambda x: -clock.wall[x]):
        stages[k] = {"label": STAGE_NAMES.get(k, k), "wall_s": round(clock.wall[k], 3),
                     "cpu_s": round(clock.cpu[k], 3), "calls": clock.calls[k],
                     "share_of_processing": round(clock.wall[k] / total, 4) if k in work and total else None,
                     "chars_per_s": rate(chars, clock.wall[k]) if k in work else None,
                     "clauses_per_s": rate(clauses, clock.wall[k]) if k in work else None}
    subs = {k: {"wall_s": round(v, 3), "calls": clock.sub_calls[k]} for k, v in
            sorted(clock.sub_wall.items(), key=lambda kv: -kv[1])}
    return {"chars": chars, "clauses": clauses, "documents": docs, "processing_wall_s": round(total, 2),
            "processing_cpu_s": round(sum(clock.cpu[k] for k in work), 2),
            "processing_chars_per_s": rate(chars, total), "processing_clauses_per_s": rate(clauses, total),
            "stages": stages, "substeps": subs}


# --- the stage clock in a real CLI process ------------------------------------------------------

def hook() -> None:
    """Called from the sitecustomize.py the benchmark puts on PYTHONPATH: with ``stages`` in
    BENCH_HOOK, times the stages of a real ``policy-clauses`` process and writes them to
    BENCH_REPORT at exit. (No memo of any kind is added: the benchmark corpus repeats each
    document 7 times, so a cache would hit across copies and flatter the figures.)"""
    import atexit

    modes = set(os.environ.get("BENCH_HOOK", "").split(","))
    if "stages" in modes:
        clock = Clock()
        counts = instrument(clock)
        t_launch = launch_time()

        def dump() -> None:
            rep = stage_report(clock, counts["chars"], counts["clauses"], counts["documents"])
            rep["cold_start_to_first_document_s"] = round(clock.first_result - t_launch, 2) if clock.first_result else None
            Path(os.environ["BENCH_REPORT"]).write_text(json.dumps(rep, ensure_ascii=False, indent=1))

        atexit.register(dump)


# Puts the project first on sys.path (as loading the benchmark script by path used to) and
# calls ``hook`` before the CLI's own code runs.
SITECUSTOMIZE = """\
import os
if os.environ.get("BENCH_HOOK"):
    import sys
    sys.path.insert(0, {root!r})
    from benchmarks.stages import hook
    hook()
"""


def hook_env(env: dict[str, str], tmp: Path, modes: str, report: Path | None = None) -> dict[str, str]:
    site = tmp / "sitecustomize"
    if not site.exists():
        site.mkdir()
        (site / "sitecustomize.py").write_text(SITECUSTOMIZE.format(root=str(ROOT)))
    out = {**env, "BENCH_HOOK": modes, "PYTHONPATH": os.pathsep.join(
        [str(site), str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))}
    if report is not None:
        out["BENCH_REPORT"] = str(report)
    return out
