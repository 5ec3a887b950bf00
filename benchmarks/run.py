"""Benchmark of policy-clauses: throughput, memory and scaling, measured side by side (issue #9).

Run by ``make bench`` (not by the test suite)::

    .venv/bin/python benchmarks/run.py                 # the measurements, < 15 min on 2 cores
    .venv/bin/python benchmarks/run.py --experiments   # experiments only (~3 min), merged in
    .venv/bin/python benchmarks/run.py --render        # BENCHMARKS.md from benchmarks/results.json

It builds a corpus of >= 1,000,000 characters from ``corpus/*.txt`` (distinct copies: each
copy gets a unique last line, so nothing is skipped as unchanged) and measures, each in a
fresh process so cold start and peak memory are per process:

- ``pkuseg``: raw ``spacy_pkuseg`` (model ``models/pkuseg-mixed``), ``.cut`` once per
  clause of ``segment()`` — the same pieces of text the pipeline tokenizes (the physical
  reference); per line on the 14 bundled documents as a side figure;
- ``nlp_pipe``: ``load_nlp()`` and ``nlp.pipe(clause texts, batch_size=64)``;
- ``policy-clauses ingest`` as a subprocess: ``--no-prefect`` (with each stage timed from
  inside that same process through a ``sitecustomize`` hook: read/decode, segment, extract
  targets, classify, rows, parquet write, model loads); the Prefect flow (temporary
  server, and against a server started here); ``--workers 1`` and ``--workers 2`` (Dask);
  two ``--no-prefect`` processes on the two halves of the corpus; an incremental rerun
  with nothing new; a one-document run for the cold start;
- the default thread task runner on 4 documents (peak memory: one pipeline per process
  or one per task?);
- ``--experiments`` (separately, on the 14 bundled documents; kept in results.json by later
  runs): batching, the numeral gate against no gate and a digit-only gate (same targets?
  same gold scores?), t2s calls and the exact fast t2s against OpenCC, parquet commit
  cost, a cProfile.

Throughput is always *corpus characters* (sum of document lengths) and *clauses* (of
``segment()``) per wall-clock second; CPU seconds are recorded too because other work on
the machine (load average is recorded per run) inflates wall time. Peak memory is each
process's VmHWM (sampled from /proc every 0.1 s, whole process tree).
Figures go to ``benchmarks/results.json`` and a table to ``BENCHMARKS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as a script, this folder is sys.path[0]: its modules (corpus, timing, report, …) are
# imported as ``benchmarks.*`` from the project root instead, and shadow no top-level name.
if sys.path and Path(sys.path[0] or ".").resolve() == HERE:
    sys.path[0] = str(ROOT)
else:
    sys.path.insert(0, str(ROOT))

from benchmarks.corpus import build_corpus, bundled_files, corpus_files  # noqa: E402
from benchmarks.experiments import child_experiments  # noqa: E402
from benchmarks.orchestration import (  # noqa: E402
    Session,
    measure_two_processes,
    measure_with_server,
    measure_without_prefect,
)
from benchmarks.report import render_markdown  # noqa: E402
from benchmarks.segmenters import CHILDREN, run_segmenter_child  # noqa: E402
from benchmarks.timing import loadavg, now_iso, run_child  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results.json"
MARKDOWN = ROOT / "BENCHMARKS.md"
BUDGET_S = 14 * 60  # the whole run must stay under 15 minutes on the 2-core machine


def machine_info() -> dict[str, Any]:
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1])
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "memory_gib": round(mem / 1024 / 1024, 1), "cpu_model": cpu,
            "python": platform.python_version(), "platform": platform.platform()}


def base_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    home = tmp / "prefect-home"
    home.mkdir(exist_ok=True)
    env.update({"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
                "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(home / "storage"), "PYTHONUNBUFFERED": "1"})
    return env


class Budget:
    """The results as they grow, written out after every run, and the time they must fit in."""

    def __init__(self, res: dict[str, Any], started: float, results_path: Path, md_path: Path):
        self.res, self.started = res, started
        self.results_path, self.md_path = results_path, md_path

    def save(self) -> None:
        self.res["elapsed_s"] = round(time.time() - self.started, 1)
        self.results_path.write_text(json.dumps(self.res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        self.md_path.write_text(render_markdown(self.res), encoding="utf-8")

    def fits(self, name: str, estimate: float) -> bool:
        left = BUDGET_S - (time.time() - self.started)
        if left > estimate:
            return True
        self.res["skipped"][name] = (f"not enough time left in the {BUDGET_S // 60}-minute budget "
                                     f"(needs ~{estimate:.0f} s, {max(left, 0):.0f} s left)")
        print(f"[bench] skipping {name}: {self.res['skipped'][name]}", flush=True)
        return False


# --- the child processes this script starts with ``--child NAME`` --------------------------------

def child_main(args: argparse.Namespace) -> int:
    base_files = bundled_files()
    if args.child == "experiments":
        rep = child_experiments(base_files, Path(args.tmp))
    else:
        corpus = json.loads(Path(args.corpus_json).read_text())
        rep = run_segmenter_child(args.child, corpus_files(corpus["halves"]), base_files)
    Path(args.report).write_text(json.dumps(rep, ensure_ascii=False, indent=1))
    return 0


# --- the runner ------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--min-chars", type=int, default=1_000_000)
    ap.add_argument("--experiments", action="store_true",
                    help="only run the experiments (14 bundled documents) and merge them into results.json")
    ap.add_argument("--no-server", action="store_true", help="skip the runs that need a Prefect server")
    ap.add_argument("--render", action="store_true", help="only write BENCHMARKS.md from results.json")
    ap.add_argument("--results", default=str(RESULTS))
    ap.add_argument("--markdown", default=str(MARKDOWN))
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--corpus-json", help=argparse.SUPPRESS)
    ap.add_argument("--report", help=argparse.SUPPRESS)
    ap.add_argument("--tmp", help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_main(args)
    results_path, md_path = Path(args.results), Path(args.markdown)
    previous = json.loads(results_path.read_text()) if results_path.exists() else {}
    if args.render:
        md_path.write_text(render_markdown(previous), encoding="utf-8")
        print(f"wrote {md_path}")
        return 0

    started = time.time()
    tmp = Path(tempfile.mkdtemp(prefix="policy-bench-"))
    env = base_env(tmp)
    if args.experiments:
        merge_experiments(args, previous, tmp, env)
        print(f"[bench] experiments merged into {results_path} and {md_path} in {time.time() - started:.0f} s")
        return 0
    measure_all(args, previous, started, tmp, env)
    print(f"[bench] wrote {results_path} and {md_path} in {time.time() - started:.0f} s")
    return 0


def merge_experiments(args: argparse.Namespace, previous: dict[str, Any], tmp: Path, env: dict[str, str]) -> None:
    """``--experiments``: only the experiments child, merged into the results so far."""
    try:
        previous["experiments"] = run_child("experiments", tmp, env, ["--tmp", str(tmp)])
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    Path(args.results).write_text(json.dumps(previous, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    Path(args.markdown).write_text(render_markdown(previous), encoding="utf-8")


def measure_all(args: argparse.Namespace, previous: dict[str, Any], started: float, tmp: Path,
                env: dict[str, str]) -> None:
    """Every measurement in order, results written after each; the experiments are kept from
    the previous results."""
    res: dict[str, Any] = {"date": now_iso(), "machine": machine_info(), "budget_s": BUDGET_S,
                           "loadavg_start": loadavg(), "runs": {}, "skipped": {}}
    if "experiments" in previous:
        res["experiments"] = previous["experiments"]  # from `--experiments`, dated
    corpus = build_corpus(tmp / "corpus", args.min_chars)
    res["corpus"] = {k: v for k, v in corpus.items() if k not in ("dir", "halves", "one_doc")}
    corpus_json = tmp / "corpus.json"
    corpus_json.write_text(json.dumps(corpus))
    out = tmp / "out"
    out.mkdir()
    budget = Budget(res, started, Path(args.results), Path(args.markdown))
    session = Session(tmp, env, corpus, out, res, budget.save, budget.fits)
    try:
        for name in CHILDREN:
            res["runs"][name] = run_child(name, tmp, env, ["--corpus-json", str(corpus_json)])
            budget.save()
        clauses, e2e = measure_without_prefect(session)
        if not args.no_server and budget.fits("prefect server runs", e2e * 1.2):
            measure_with_server(session, clauses, e2e)
        measure_two_processes(session, clauses, e2e)
    finally:
        res["loadavg_end"] = loadavg()
        budget.save()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"[bench] kept {tmp}")


if __name__ == "__main__":
    raise SystemExit(main())
