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
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
CLI = str(BIN / "policy-clauses")
RESULTS = ROOT / "benchmarks" / "results.json"
MARKDOWN = ROOT / "BENCHMARKS.md"
SAMPLE = "到2020年，工业产品质量监督抽查合格率达到90%以上。"
BUDGET_S = 14 * 60  # the whole run must stay under 15 minutes on the 2-core machine
TARGET_RATIO, TARGET_MEM_MIB, TARGET_SPEEDUP = 0.8, 2048, 1.6
STANDING_REPEATS = 3  # runs per standing-cluster size (median reported)
SETTLE_BUSY = 0.10  # a timed run starts once the CPUs were ≤ 10% busy over a second …
SETTLE_MAX_S = 15.0  # … or after this long, whichever comes first
# A narrower gate than the product's NUMERAL_GATE (pipeline/targets.py), for the gate
# experiment: it misses targets written in Chinese numerals.
DIGIT_GATE = re.compile(r"[0-9０-９]")


# --- small helpers -----------------------------------------------------------------------

def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def rate(n: float, s: float | None) -> float | None:
    return round(n / s, 1) if s else None


def vm_status(pid: int) -> dict[str, int]:
    """VmHWM / VmRSS of a process in KiB ({} when it is gone)."""
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmHWM:", "VmRSS:")):
                    k, v = line.split(":", 1)
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def self_peak_mib() -> float:
    return round(vm_status(os.getpid()).get("VmHWM", 0) / 1024, 1)


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


# --- the corpus --------------------------------------------------------------------------

def build_corpus(dest: Path, min_chars: int) -> dict[str, Any]:
    """Distinct copies of corpus/*.txt in two folders of about equal size (``half0``, ``half1``)."""
    sources = sorted((ROOT / "corpus").glob("*.txt"))
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sources}
    base = sum(len(t) for t in texts.values())
    copies = -(-min_chars // base)
    halves = [dest / "half0", dest / "half1"]
    for h in halves:
        h.mkdir(parents=True, exist_ok=True)
    items = []
    for k in range(copies):
        for stem, text in texts.items():
            body = text.rstrip("\n") + f"\n\n（基准测试副本 {stem} copy-{k:02d}）\n"
            items.append((f"{stem}-copy{k:02d}.txt", body))
    sizes = [0, 0]
    for name, body in sorted(items, key=lambda x: -len(x[1])):  # greedy balance of the halves
        h = 0 if sizes[0] <= sizes[1] else 1
        (halves[h] / name).write_text(body, encoding="utf-8")
        sizes[h] += len(body)
    smallest = min(sources, key=lambda p: len(texts[p.stem]))
    one = dest / "one"
    one.mkdir()
    shutil.copy(smallest, one / smallest.name)
    return {"dir": str(dest), "halves": [str(h) for h in halves], "copies": copies,
            "documents": len(items), "chars": sum(sizes), "half_chars": sizes,
            "base_documents": len(texts), "base_chars": base,
            "one_doc": str(one), "one_doc_chars": len(texts[smallest.stem])}


def corpus_files(dirs: list[str]) -> list[Path]:
    return sorted(p for d in dirs for p in Path(d).glob("*.txt"))


# --- process sampling and subprocess runs ------------------------------------------------

class TreeSampler(threading.Thread):
    """Samples VmHWM / VmRSS of a process and all its descendants every ``interval`` s."""

    def __init__(self, root_pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.root = root_pid
        self.interval = interval
        self.peak: dict[int, int] = {}
        self.role: dict[int, str] = {}
        self.max_total = 0
        self._stop_evt = threading.Event()

    def _children(self) -> dict[int, list[int]]:
        kids: dict[int, list[int]] = defaultdict(list)
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat") as f:
                    stat = f.read()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids[ppid].append(int(name))
        return kids

    def _role(self, pid: int) -> str:
        if pid == self.root:
            return "main"
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return "?"
        if "resource_tracker" in cmd:
            return "resource-tracker"
        if "spawn_main" in cmd or "forkserver" in cmd:
            return "worker"
        if "uvicorn" in cmd or "prefect server" in cmd or "prefect.server" in cmd:
            return "prefect-server"
        return "other:" + cmd[:60]

    def sample(self) -> None:
        kids = self._children()
        todo, tree = [self.root], []
        while todo:
            p = todo.pop()
            tree.append(p)
            todo.extend(kids.get(p, []))
        total = 0
        for p in tree:
            st = vm_status(p)
            if not st:
                continue
            if p not in self.role:
                self.role[p] = self._role(p)
            self.peak[p] = max(self.peak.get(p, 0), st.get("VmHWM", 0))
            total += st.get("VmRSS", 0)
        self.max_total = max(self.max_total, total)

    def run(self) -> None:
        while not self._stop_evt.is_set():
            self.sample()
            self._stop_evt.wait(self.interval)

    def stop(self) -> dict[str, Any]:
        self._stop_evt.set()
        self.join()
        by_role: dict[str, list[float]] = defaultdict(list)
        for pid, kib in self.peak.items():
            by_role[self.role.get(pid, "?")].append(round(kib / 1024, 1))
        return {"by_role_mib": {k: sorted(v, reverse=True) for k, v in by_role.items()},
                "max_process_mib": round(max(self.peak.values(), default=0) / 1024, 1),
                "tree_total_max_mib": round(self.max_total / 1024, 1)}


def cpu_busy(interval: float = 1.0) -> float:
    """Share of the machine's CPU time that was busy over ``interval`` seconds (/proc/stat)."""
    def read() -> tuple[int, int]:
        with open("/proc/stat") as f:
            vals = [int(x) for x in f.readline().split()[1:]]
        idle = vals[3] + (vals[4] if len(vals) > 4 else 0)  # idle + iowait
        return sum(vals), idle

    t1, i1 = read()
    time.sleep(interval)
    t2, i2 = read()
    return 1.0 - (i2 - i1) / max(1, t2 - t1)


def settle(max_wait: float = SETTLE_MAX_S, quiet: float = SETTLE_BUSY) -> dict[str, float]:
    """Wait until the machine is quiet before a timed run: the previous run's cluster
    teardown, the Prefect server digesting its events and the like otherwise land in the
    next run's wall time. Every timed run waits the same way; what it found is recorded."""
    t0 = time.time()
    busy = cpu_busy()
    while busy > quiet and time.time() - t0 < max_wait:
        busy = cpu_busy()
    return {"settle_wait_s": round(time.time() - t0, 1), "busy_before": round(busy, 3)}


def run_proc(cmd: list[str], env: dict[str, str], log: Path, timeout: float = 900,
             quiet_first: bool = True) -> dict[str, Any]:
    """Run ``cmd``; wall and CPU time (wait4, incl. reaped descendants), peak memory per process."""
    quiet = settle() if quiet_first else {}
    la = loadavg()
    t0 = time.time()
    env = {**env, "BENCH_LAUNCH": repr(t0)}
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        deadline = t0 + timeout
        status = ru = None
        while True:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.time() > deadline:
                os.killpg(proc.pid, signal.SIGTERM)
                time.sleep(5)
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                pid, status, ru = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        wall = time.time() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        mem = sampler.stop()
    text = log.read_text(errors="replace")
    last = None
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            try:
                last = json.loads(line)
                break
            except ValueError:
                continue
    return {"t0": t0, "log_text": text, "cmd": " ".join(cmd[1:]) if cmd[0] == CLI else " ".join(Path(c).name for c in cmd[:2]) + " " + " ".join(cmd[2:]),
            "returncode": proc.returncode, "wall_s": round(wall, 2),
            "cpu_s": round(ru.ru_utime + ru.ru_stime, 2), "wait4_maxrss_mib": round(ru.ru_maxrss / 1024, 1),
            "memory": mem, "loadavg_before": la, "loadavg_after": loadavg(), **quiet,
            "last_json": last, "log_tail": text[-1500:] if proc.returncode else ""}


def base_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    home = tmp / "prefect-home"
    home.mkdir(exist_ok=True)
    env.update({"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
                "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(home / "storage"), "PYTHONUNBUFFERED": "1"})
    return env


def count_clauses(out: Path) -> int | None:
    try:
        import pyarrow.parquet as pq

        return pq.read_metadata(out / "clauses.parquet").num_rows
    except Exception:  # noqa: BLE001 - a failed run has no table
        return None


def flow_timeline(log: str, t0: float) -> dict[str, Any] | None:
    """Seconds from launch to the flow's milestones, read from Prefect's log (local time)."""
    base = time.localtime(t0)
    day0 = time.mktime((base.tm_year, base.tm_mon, base.tm_mday, 0, 0, 0, 0, 0, -1))
    marks: dict[str, list[float]] = defaultdict(list)
    for line in log.splitlines():
        m = re.match(r"(\d\d):(\d\d):(\d\d\.\d+) \|", line)
        if not m:
            continue
        at = day0 + int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3)) - t0
        if at < -60:
            at += 86400
        if "Beginning flow run" in line:
            marks["flow_start"].append(at)
        elif "Register worker" in line:
            marks["workers_up"].append(at)
        elif "Task run" in line and "Finished in state Completed" in line:
            marks["task_done"].append(at)
    if not marks["task_done"]:
        return None
    done = marks["task_done"]
    out = {"flow_start_s": round(min(marks["flow_start"]), 2) if marks["flow_start"] else None,
           "workers_up_s": round(max(marks["workers_up"]), 2) if marks["workers_up"] else None,
           "first_task_done_s": round(done[0], 2), "last_task_done_s": round(done[-1], 2), "tasks": len(done)}
    out["task_phase_s"] = round(done[-1] - done[0], 2)
    return out


def median_run(tries: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time (the lower middle of an even count), with every
    try's wall time and task phase attached."""
    ok = sorted((t for t in tries if "wall_s" in t), key=lambda t: t["wall_s"])
    if not ok:
        return tries[-1]
    mid = dict(ok[(len(ok) - 1) // 2])
    mid["tries_wall_s"] = [t["wall_s"] for t in tries if "wall_s" in t]
    mid["tries_task_phase_s"] = [(t.get("timeline") or {}).get("task_phase_s") for t in tries if "wall_s" in t]
    return mid


def cli_run(name: str, srcs: list[str], out: Path, extra: list[str], env: dict[str, str], tmp: Path,
            chars: int, clauses: int | None, quiet_first: bool = True) -> dict[str, Any]:
    print(f"[bench] {name} ...", flush=True)
    r = run_proc([CLI, "ingest", *srcs, "--out", str(out), "--json", *extra], env, tmp / f"{name}.log",
                 quiet_first=quiet_first)
    r["timeline"] = flow_timeline(r.pop("log_text"), r.pop("t0"))
    r["chars"] = chars
    r["clauses"] = clauses if clauses is not None else count_clauses(out)
    r["chars_per_s"] = rate(chars, r["wall_s"])
    r["clauses_per_s"] = rate(r["clauses"] or 0, r["wall_s"])
    r["chars_per_cpu_s"] = rate(chars, r["cpu_s"])
    print(f"[bench] {name}: {r['wall_s']} s wall, {r['cpu_s']} s CPU, rc={r['returncode']}, "
          f"peak {r['memory']['max_process_mib']} MiB, {r['last_json']}", flush=True)
    return r


# --- the Prefect server ------------------------------------------------------------------

def stop_group(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM a process group started with ``start_new_session``; SIGKILL after 30 s."""
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class PrefectServer:
    def __init__(self, tmp: Path, env: dict[str, str]):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.api = f"http://127.0.0.1:{self.port}/api"
        home = tmp / "prefect-server-home"
        home.mkdir()
        self.env = {**env, "PREFECT_HOME": str(home), "PREFECT_API_URL": self.api,
                    "PREFECT_SERVER_UI_API_URL": self.api,
                    "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(home / "storage")}
        self.log_path = tmp / "prefect-server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.sampler: TreeSampler | None = None

    def start(self, timeout: float = 120) -> float:
        t0 = time.time()
        self.log = open(self.log_path, "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.sampler = TreeSampler(self.proc.pid, interval=0.5)
        self.sampler.start()
        while True:
            try:
                with urllib.request.urlopen(f"{self.api}/health", timeout=2) as r:
                    if r.status == 200:
                        return round(time.time() - t0, 2)
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() - t0 > timeout:
                self.stop()
                raise RuntimeError("prefect server did not start:\n" + self.log_path.read_text()[-2000:])
            time.sleep(0.5)

    def stop(self) -> dict[str, Any]:
        mem = self.sampler.stop() if self.sampler else {}
        stop_group(self.proc)
        if hasattr(self, "log"):
            self.log.close()
        return mem


class StandingCluster:
    """``policy-clauses cluster --workers N``: a scheduler and N workers holding the models."""

    def __init__(self, workers: int, tmp: Path, env: dict[str, str]):
        self.workers = workers
        self.out_path, self.err_path = tmp / f"cluster{workers}.out", tmp / f"cluster{workers}.err"
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self.sampler: TreeSampler | None = None

    def start(self, timeout: float = 180) -> tuple[str, float]:
        """Start it; (scheduler address, seconds until every worker had loaded the models)."""
        t0 = time.time()
        self.out, self.err = open(self.out_path, "w"), open(self.err_path, "w")  # noqa: SIM115
        self.proc = subprocess.Popen([CLI, "cluster", "--workers", str(self.workers), "--port", "0"],
                                     env=self.env, cwd=ROOT, stdout=self.out, stderr=self.err,
                                     start_new_session=True)
        self.sampler = TreeSampler(self.proc.pid, interval=0.5)
        self.sampler.start()
        while not self.out_path.read_text().strip():
            if self.proc.poll() is not None or time.time() - t0 > timeout:
                self.stop()
                raise RuntimeError("cluster did not start:\n" + self.err_path.read_text()[-2000:])
            time.sleep(0.2)
        info = json.loads(self.out_path.read_text().strip().splitlines()[-1])
        return info["dask_address"], round(time.time() - t0, 2)

    def stop(self) -> dict[str, Any]:
        mem = self.sampler.stop() if self.sampler else {}
        stop_group(self.proc)
        for f in (getattr(self, "out", None), getattr(self, "err", None)):
            if f:
                f.close()
        return mem


def _api_post(api: str, path: str, body: dict[str, Any]) -> Any:
    req = urllib.request.Request(f"{api}/{path}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def api_timeline(api: str, t0: float) -> dict[str, Any] | None:
    """The newest flow run's task times from the Prefect API, in seconds from launch ``t0``
    (task logs of a standing cluster go to its workers, not to the CLI's output)."""
    try:
        runs = _api_post(api, "flow_runs/filter", {"sort": "START_TIME_DESC", "limit": 1})
        if not runs:
            return None
        fr = runs[0]
        tasks = _api_post(api, "task_runs/filter", {"flow_runs": {"id": {"any_": [fr["id"]]}}, "limit": 200})
    except (OSError, ValueError):
        return None

    def at(x: str | None) -> float | None:
        return datetime.fromisoformat(x.replace("Z", "+00:00")).timestamp() - t0 if x else None

    starts = [at(t["start_time"]) for t in tasks if t.get("start_time")]
    ends = [at(t["end_time"]) for t in tasks if t.get("end_time")]
    if not starts or not ends:
        return None
    return {"flow_start_s": round(at(fr["start_time"]) or 0, 2), "first_task_start_s": round(min(starts), 2),
            "first_task_done_s": round(min(ends), 2), "last_task_done_s": round(max(ends), 2),
            "flow_end_s": round(at(fr["end_time"]) or 0, 2), "tasks": len(ends),
            "task_phase_s": round(max(ends) - min(starts), 2)}


# --- in-process measurements (children) -----------------------------------------------

def launch_time() -> float:
    return float(os.environ.get("BENCH_LAUNCH", time.time()))


def read_clauses(files: list[Path]) -> tuple[int, list[str], list[str]]:
    from pipeline.read import read_document
    from pipeline.segment import segment

    chars, clause_texts, lines = 0, [], []
    for f in files:
        text = read_document(f).text
        chars += len(text)
        clause_texts += [c.text for c in segment(text).clauses]
        lines += [ln for ln in text.split("\n") if ln.strip()]
    return chars, clause_texts, lines


def timed(fn, *args) -> tuple[Any, float, float]:  # type: ignore[no-untyped-def]
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - w, time.process_time() - c


def child_pkuseg(files: list[Path], base_files: list[Path]) -> dict[str, Any]:
    t_launch = launch_time()
    import spacy_pkuseg

    from pipeline.settings import get_settings

    t = time.perf_counter()
    seg = spacy_pkuseg.pkuseg(str(get_settings().pkuseg_dir))
    load = time.perf_counter() - t
    seg.cut(SAMPLE)
    cold = time.time() - t_launch
    chars, clauses, _ = read_clauses(files)

    def cut_all(items: list[str]) -> int:
        return sum(len(seg.cut(x)) for x in items)

    tokens, wall, cpu = timed(cut_each, seg, clauses)
    n_tokens = sum(map(len, tokens))
    base_chars, base_clauses, base_lines = read_clauses(base_files)
    _, lw, lc = timed(cut_all, base_lines)
    _, cw, cc = timed(cut_all, base_clauses)
    return {"unit": "clause", "chars": chars, "clauses": len(clauses), "tokens": n_tokens,
            "tokens_sha256": tokens_digest(tokens), "clause_chars": sum(map(len, clauses)),
            "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "chars_per_s": rate(chars, wall),
            "clauses_per_s": rate(len(clauses), wall), "chars_per_cpu_s": rate(chars, cpu),
            "model_load_s": round(load, 2), "cold_start_s": round(cold, 2), "peak_rss_mib": self_peak_mib(),
            "base_corpus": {"chars": base_chars, "per_line_chars_per_s": rate(base_chars, lw),
                            "per_clause_chars_per_s": rate(base_chars, cw), "lines": len(base_lines),
                            "per_line_cpu_s": round(lc, 2), "per_clause_cpu_s": round(cc, 2)}}


def cut_each(seg: Any, items: list[str]) -> list[list[str]]:
    return [seg.cut(x) for x in items]


def tokens_digest(tokens: list[list[str]]) -> str:
    import hashlib

    return hashlib.sha256("\x00".join("\x01".join(t) for t in tokens).encode("utf-8", "surrogatepass")).hexdigest()


def child_fastseg(files: list[Path]) -> dict[str, Any]:
    """The pipeline's segmenter alone (pipeline/fastseg.py), loaded as the tokenizer loads it
    (model + processors of models/policy-nlp), cutting the same clauses in batches of 256."""
    t_launch = launch_time()
    from pipeline.fastseg import FastPkuseg, set_processors
    from pipeline.nlp import default_out_dir

    tok = default_out_dir() / "tokenizer"
    t = time.perf_counter()
    seg = set_processors(FastPkuseg(tok / "pkuseg_model"), tok / "pkuseg_processors")
    load = time.perf_counter() - t
    seg.cut(SAMPLE)
    cold = time.time() - t_launch
    chars, clauses, _ = read_clauses(files)

    def cut_batches(items: list[str]) -> list[list[str]]:
        out: list[list[str]] = []
        for k in range(0, len(items), 256):
            out += seg.cut_many(items[k:k + 256])
        return out

    tokens, wall, cpu = timed(cut_batches, clauses)
    return {"unit": "clause", "chars": chars, "clauses": len(clauses), "tokens": sum(map(len, tokens)),
            "tokens_sha256": tokens_digest(tokens), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "chars_per_s": rate(chars, wall), "clauses_per_s": rate(len(clauses), wall),
            "model_load_s": round(load, 2), "cold_start_s": round(cold, 2), "peak_rss_mib": self_peak_mib()}


def child_nlp_pipe(files: list[Path]) -> dict[str, Any]:
    t_launch = launch_time()
    from pipeline.nlp import load_nlp

    t = time.perf_counter()
    nlp = load_nlp()
    load = time.perf_counter() - t
    nlp(SAMPLE)
    cold = time.time() - t_launch
    chars, clauses, _ = read_clauses(files)

    def run() -> int:
        return sum(len(d.spans.get("targets", [])) for d in nlp.pipe(clauses, batch_size=64))

    spans, wall, cpu = timed(run)
    return {"chars": chars, "clauses": len(clauses), "target_spans": spans, "batch_size": 64,
            "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "chars_per_s": rate(chars, wall),
            "clauses_per_s": rate(len(clauses), wall), "chars_per_cpu_s": rate(chars, cpu),
            "model_load_s": round(load, 2), "cold_start_s": round(cold, 2), "peak_rss_mib": self_peak_mib()}


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
    import pipeline.document_targets as document_targets
    import pipeline.fastseg as fastseg
    import pipeline.ingest as ingest
    import pipeline.nlp as nlp_mod
    import pipeline.script as script
    import pipeline.targets as targets

    counts = {"documents": 0, "chars": 0, "clauses": 0}
    read, seg = ingest.read_text, ingest.segment

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
    ingest.segment = clock.stage("segment", counting_segment)
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
    ingest.ingest = clock.stage("ingest", ingest.ingest)
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


SITECUSTOMIZE = """\
import os
if os.environ.get("BENCH_HOOK"):
    import importlib.util
    _spec = importlib.util.spec_from_file_location("policy_bench_run", {path!r})
    _mod = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_mod)
    _mod.hook()
"""


def hook_env(env: dict[str, str], tmp: Path, modes: str, report: Path | None = None) -> dict[str, str]:
    site = tmp / "sitecustomize"
    if not site.exists():
        site.mkdir()
        (site / "sitecustomize.py").write_text(SITECUSTOMIZE.format(path=str(Path(__file__).resolve())))
    out = {**env, "BENCH_HOOK": modes, "PYTHONPATH": os.pathsep.join(
        [str(site), str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))}
    if report is not None:
        out["BENCH_REPORT"] = str(report)
    return out


def tables_equal(a: Path, b: Path) -> dict[str, bool]:
    import pyarrow.parquet as pq

    out = {}
    for t in ("documents", "clauses", "targets", "errors"):
        try:
            ta, tb = pq.read_table(a / f"{t}.parquet"), pq.read_table(b / f"{t}.parquet")
        except OSError:
            out[t] = False
            continue
        drop = [c for c in ("ingested_at", "at", "source_path") if c in ta.column_names]
        out[t] = ta.drop(drop).equals(tb.drop(drop))
    return out


# --- experiments (``--experiments``; on the 14 bundled documents) ------------------------------

def child_experiments(base_files: list[Path], tmp: Path) -> dict[str, Any]:
    import cProfile
    import pstats

    import pipeline.document_targets as document_targets
    import pipeline.ingest as ingest
    import pipeline.targets as targets_mod
    from pipeline.nlp import load_nlp
    from pipeline.read import read_document
    from pipeline.segment import segment
    from pipeline.target_eval import evaluate_targets

    res: dict[str, Any] = {"date": now_iso(), "corpus": "the 14 bundled documents"}

    # 1. cProfile of the in-process ingest (also the output the parquet experiment grows)
    prof_out = tmp / "exp-profile-out"
    pr = cProfile.Profile()
    t0 = time.perf_counter()
    pr.enable()
    ingest.ingest(base_files, prof_out, engine=ingest.Engine())
    pr.disable()
    wall = time.perf_counter() - t0
    st = pstats.Stats(pr)
    total = st.total_tt  # type: ignore[attr-defined]
    items = st.stats.items()  # type: ignore[attr-defined]
    res["profile"] = {
        "total_s": round(total, 2), "wall_s": round(wall, 2),
        "top_tottime": [{"function": f"{Path(f).name}:{ln}({fn})", "tottime_s": round(tt, 3),
                         "share": round(tt / total, 3), "calls": nc}
                        for (f, ln, fn), (_, nc, tt, _ct, _) in sorted(items, key=lambda kv: -kv[1][2])[:20]],
        "top_cumtime": [{"function": f"{Path(f).name}:{ln}({fn})", "cumtime_s": round(ct, 3),
                         "share": round(ct / total, 3), "calls": nc}
                        for (f, ln, fn), (_, nc, _tt, ct, _) in sorted(items, key=lambda kv: -kv[1][3])
                        if "/pipeline/" in f or "spacy_pkuseg" in f or "opencc" in f][:25]}
    print("[bench] experiments: profile done", flush=True)

    nlp = load_nlp()
    base_chars, clauses, _ = read_clauses(base_files)
    nlp(SAMPLE)

    # 2. batching: nlp(text) per clause vs nlp.pipe at two batch sizes
    batching = {}
    for name, fn in (("nlp(text) per clause", lambda: [nlp(t) for t in clauses]),
                     ("nlp.pipe batch_size=64", lambda: list(nlp.pipe(clauses, batch_size=64))),
                     ("nlp.pipe batch_size=1000", lambda: list(nlp.pipe(clauses, batch_size=1000)))):
        _, w, c = timed(fn)
        batching[name] = {"wall_s": round(w, 2), "cpu_s": round(c, 2), "chars_per_s": rate(base_chars, w)}
    res["batching"] = batching

    print("[bench] experiments: batching done", flush=True)

    # 3. the numeral gate (product: pkuseg and the target component only on clauses with a
    # numeral, % or 翻) against no gate and a digit-only gate: same targets? same gold scores?
    docs = []
    for f in base_files:
        d = read_document(f)
        docs.append((d, segment(d.text).clauses))
    all_cl = [x for _, cl in docs for x in cl]
    gate_res: dict[str, Any] = {}
    ref = None
    product_gate = targets_mod.has_numeral
    for name, gate in (("clauses with a numeral, % or 翻 (product)", product_gate),
                       ("every clause (no gate)", lambda t: True),
                       ("clauses with an ASCII/full-width digit", lambda t: DIGIT_GATE.search(t) is not None)):
        targets_mod.has_numeral = gate
        try:
            outs, w, c = timed(lambda: [document_targets.extract_document_targets(
                nlp, cl, d.title, doc_year=d.published.year if d.published else None) for d, cl in docs])
            score = evaluate_targets(None, nlp=nlp)["overall"]
        finally:
            targets_mod.has_numeral = product_gate
        sel = [x for x in all_cl if gate(x.text)]
        if ref is None:
            ref = (outs, score)
        gate_res[name] = {
            "extract_wall_s": round(w, 2), "extract_cpu_s": round(c, 2), "extract_chars_per_s": rate(base_chars, w),
            "clause_share": round(len(sel) / len(all_cl), 3),
            "char_share": round(sum(len(x.text) for x in sel) / sum(len(x.text) for x in all_cl), 3),
            "same_targets_as_product": outs == ref[0],
            "targets": sum(len(o) for o in outs),
            "gold_value_unit_f1": score["value_unit"]["f1"], "gold_full_record_f1": score["full_record"]["f1"],
            "gold_indicator_exact": score["indicator_exact"], "same_gold_scores_as_product": score == ref[1]}
    res["numeral_gate"] = gate_res
    print("[bench] experiments: gate done", flush=True)

    # 4. t2s: how often the ingest converts the same text; the exact fast t2s against OpenCC
    import opencc

    import pipeline.script as script

    seen: Counter[str] = Counter()
    conv = script.Converter.__call__

    def counting(self, s):  # type: ignore[no-untyped-def]
        seen[s] += 1
        return conv(self, s)

    script.Converter.__call__ = counting  # type: ignore[method-assign]
    eng = ingest.Engine()
    eng.nlp  # noqa: B018 - loaded before timing
    run_docs = [read_document(f) for f in base_files]
    try:
        _, w_plain, _ = timed(lambda: [eng.process(d) for d in run_docs])
    finally:
        script.Converter.__call__ = conv  # type: ignore[method-assign]
    cc = opencc.OpenCC("t2s")
    texts = [d.text for d in run_docs] + list(seen)
    for p in sorted((ROOT / "annotations").glob("*.jsonl")):
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                texts += [rec.get("text") or ""] + list(rec.get("section") or [])
    import random

    rnd = random.Random(1)
    cc.convert("")  # loads the dictionaries
    keys = [k for grp in cc._dict_chain_data for _, _, dd in grp for k in dd]
    texts += ["".join(rnd.choice(keys) for _ in range(rnd.randint(1, 12))) for _ in range(3000)]
    script.t2s("")  # builds the converter
    ref, w_ref, _ = timed(lambda: [cc.convert(x) for x in texts])
    got, w_fast, _ = timed(lambda: [script.t2s(x) for x in texts])
    res["fast_t2s"] = {"texts_checked": len(texts), "mismatches": sum(a != b for a, b in zip(ref, got, strict=True)),
                       "chars": sum(map(len, texts)), "opencc_s": round(w_ref, 2), "fast_s": round(w_fast, 2),
                       "speedup": round(w_ref / w_fast, 1)}
    res["t2s"] = {"calls": sum(seen.values()), "distinct_texts": len(seen),
                  "chars_converted": sum(len(k) * v for k, v in seen.items()),
                  "distinct_chars": sum(len(k) for k in seen), "corpus_chars": base_chars,
                  "process_wall_s": round(w_plain, 2)}
    print("[bench] experiments: t2s done", flush=True)

    # 5. parquet: one new document into an existing output; a run with nothing new
    work = tmp / "exp-parquet-out"
    shutil.copytree(prof_out, work)
    one = tmp / "exp-one"
    one.mkdir()
    (one / "extra-doc.txt").write_text(base_files[0].read_text(encoding="utf-8") + "\n（增量）\n", encoding="utf-8")
    p, wp, _ = timed(lambda: ingest.plan([one], work, eng.model_version))
    rows, wr, _ = timed(lambda: [ingest.process_one(eng, d, p.model_version, p.now) for d in p.todo])
    _, wc, _ = timed(lambda: ingest.commit(p, rows))
    p2, wp2, _ = timed(lambda: ingest.plan(base_files + [one], work, eng.model_version))
    _, wc2, _ = timed(lambda: ingest.commit(p2, []))
    res["parquet"] = {"one_new_doc": {"plan_s": round(wp, 3), "process_s": round(wr, 2), "commit_s": round(wc, 3)},
                      "nothing_new": {"plan_s": round(wp2, 3), "commit_s": round(wc2, 3),
                                      "unchanged": p2.summary.unchanged},
                      "table_bytes": {f.name: f.stat().st_size for f in sorted(work.glob("*.parquet"))}}
    print("[bench] experiments: parquet done", flush=True)
    return res


def child_main(args: argparse.Namespace) -> int:
    base_files = sorted((ROOT / "corpus").glob("*.txt"))
    if args.child == "experiments":
        rep = child_experiments(base_files, Path(args.tmp))
    else:
        corpus = json.loads(Path(args.corpus_json).read_text())
        files = corpus_files(corpus["halves"])
        if args.child == "pkuseg":
            rep = child_pkuseg(files, base_files)
        elif args.child == "fastseg":
            rep = child_fastseg(files)
        elif args.child == "nlp_pipe":
            rep = child_nlp_pipe(files)
        else:
            raise SystemExit(f"unknown child {args.child}")
    Path(args.report).write_text(json.dumps(rep, ensure_ascii=False, indent=1))
    return 0


def run_child(name: str, tmp: Path, env: dict[str, str], extra: list[str]) -> dict[str, Any]:
    print(f"[bench] {name} ...", flush=True)
    report = tmp / f"{name}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--report", str(report), *extra]
    r = run_proc(cmd, env, tmp / f"{name}.log", timeout=900)
    if r["returncode"] != 0 or not report.exists():
        print(f"[bench] {name} FAILED:\n{r['log_tail']}", flush=True)
        return {"error": r["log_tail"], "process": r}
    rep = json.loads(report.read_text())
    rep["process"] = {k: r[k] for k in ("wall_s", "cpu_s", "memory", "loadavg_before", "loadavg_after")}
    print(f"[bench] {name}: done in {r['wall_s']} s, peak {r['memory']['max_process_mib']} MiB", flush=True)
    return rep


# --- the orchestration -------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
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
    args = ap.parse_args(argv)
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
        try:
            previous["experiments"] = run_child("experiments", tmp, env, ["--tmp", str(tmp)])
        finally:
            if not args.keep:
                shutil.rmtree(tmp, ignore_errors=True)
        results_path.write_text(json.dumps(previous, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        md_path.write_text(render_markdown(previous), encoding="utf-8")
        print(f"[bench] experiments merged into {results_path} and {md_path} in {time.time() - started:.0f} s")
        return 0

    res: dict[str, Any] = {"date": now_iso(), "machine": machine_info(), "budget_s": BUDGET_S,
                           "loadavg_start": loadavg(), "runs": {}, "skipped": {}}
    if "experiments" in previous:
        res["experiments"] = previous["experiments"]  # from `--experiments`, dated
    corpus = build_corpus(tmp / "corpus", args.min_chars)
    res["corpus"] = {k: v for k, v in corpus.items() if k not in ("dir", "halves", "one_doc")}
    corpus_json = tmp / "corpus.json"
    corpus_json.write_text(json.dumps(corpus))
    halves, chars = corpus["halves"], corpus["chars"]
    one_doc, one_chars = [corpus["one_doc"]], corpus["one_doc_chars"]
    runs = res["runs"]
    out = tmp / "out"
    out.mkdir()

    def save() -> None:
        res["elapsed_s"] = round(time.time() - started, 1)
        results_path.write_text(json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        md_path.write_text(render_markdown(res), encoding="utf-8")

    def fits(name: str, estimate: float) -> bool:
        left = BUDGET_S - (time.time() - started)
        if left > estimate:
            return True
        res["skipped"][name] = (f"not enough time left in the {BUDGET_S // 60}-minute budget "
                                f"(needs ~{estimate:.0f} s, {max(left, 0):.0f} s left)")
        print(f"[bench] skipping {name}: {res['skipped'][name]}", flush=True)
        return False

    cjson = ["--corpus-json", str(corpus_json)]
    try:
        runs["pkuseg"] = run_child("pkuseg", tmp, env, cjson)
        save()
        runs["fastseg"] = run_child("fastseg", tmp, env, cjson)
        save()
        runs["nlp_pipe"] = run_child("nlp_pipe", tmp, env, cjson)
        save()
        # end-to-end in one process, no Prefect; stage times recorded from inside the same run
        rep = tmp / "stages.json"
        r = cli_run("cli_no_prefect", halves, out / "no-prefect", ["--no-prefect"],
                    hook_env(env, tmp, "stages", rep), tmp, chars, None)
        runs["cli_no_prefect"] = r
        runs["stages"] = json.loads(rep.read_text()) if rep.exists() else {"error": "no stage report"}
        clauses = runs["stages"].get("clauses") or r["clauses"]
        e2e = r["wall_s"]
        save()
        runs["cli_no_prefect_rerun"] = cli_run("cli_no_prefect_rerun", halves, out / "no-prefect", ["--no-prefect"],
                                               env, tmp, chars, clauses)
        runs["cli_no_prefect_one_doc"] = cli_run("cli_no_prefect_one_doc", one_doc, out / "one-np",
                                                 ["--no-prefect"], env, tmp, one_chars, None)
        save()
        # the Prefect flow with its temporary server, on one document: the orchestration overhead
        runs["cli_prefect_ephemeral_one_doc"] = cli_run("cli_prefect_ephemeral_one_doc", one_doc, out / "one-eph",
                                                        [], env, tmp, one_chars, None)
        save()
        if not args.no_server and fits("prefect server runs", e2e * 1.2):
            server = PrefectServer(tmp, env)
            res["prefect_server"] = {"startup_s": server.start()}
            try:
                senv = server.env
                runs["cli_prefect_server_one_doc"] = cli_run("cli_prefect_server_one_doc", one_doc,
                                                             out / "one-srv", [], senv, tmp, one_chars, None)
                save()
                for name, extra, factor in (("cli_prefect_workers2", ["--workers", "2"], 1.0),
                                            ("cli_prefect_workers1", ["--workers", "1"], 1.5)):
                    if fits(name, e2e * factor + 20):
                        runs[name] = cli_run(name, halves, out / name, extra, senv, tmp, chars, clauses)
                        save()
                # A standing cluster (`policy-clauses cluster`): workers load the models when
                # the cluster starts, so a run pays neither the cluster start nor the loads.
                # STANDING_REPEATS runs per size, alternating 2, 1, 2, 1 …, each on a fresh
                # cluster (no warm caches from an earlier run); the median run is reported.
                tries: dict[str, list[dict[str, Any]]] = {}
                for rep_i in range(STANDING_REPEATS):
                    for n in (2, 1):
                        name = f"cli_prefect_standing{n}"
                        if not fits(f"{name} #{rep_i + 1}", e2e * (1.0 if n == 2 else 1.2) + 25):
                            continue
                        cluster = StandingCluster(n, tmp, senv)
                        run: dict[str, Any] = {}
                        try:
                            address, ready = cluster.start()
                            launch = time.time()
                            run = cli_run(name, halves, out / f"{name}-{rep_i}", ["--dask-address", address],
                                          senv, tmp, chars, clauses)
                            run["timeline"] = api_timeline(server.api, launch)
                            run["cluster_ready_s"] = ready
                        except RuntimeError as e:
                            run = {"error": str(e)}
                        finally:
                            run["cluster_memory"] = cluster.stop()
                        tries.setdefault(name, []).append(run)
                        runs[name] = median_run(tries[name])
                        save()
                # The default task runner (threads) on a 4-document sample only: every task
                # thread loads its own copy of the models (see BENCHMARKS.md), so the whole
                # corpus would need ~1 GiB per document at once.
                sample = tmp / "corpus" / "sample4"
                sample.mkdir()
                for f in sorted(Path(halves[0]).glob("*.txt"))[:4]:
                    shutil.copy(f, sample / f.name)
                sample_chars = sum(len(f.read_text(encoding="utf-8")) for f in sample.glob("*.txt"))
                for name, e in (("cli_prefect_threads_sample4", senv),):
                    if fits(name, 60):
                        runs[name] = cli_run(name, [str(sample)], out / name, [], e, tmp, sample_chars, None)
                        save()
            finally:
                res["prefect_server"]["memory"] = server.stop()
        # an alternative 2-process measurement: two --no-prefect processes on the halves
        if fits("two_processes_halves", e2e * 0.9):
            print("[bench] two_processes_halves ...", flush=True)
            both: dict[int, dict[str, Any]] = {}
            quiet = settle()  # once for the pair: each half must not wait for the other
            t0 = time.time()
            threads = [threading.Thread(target=lambda i=i: both.__setitem__(i, cli_run(
                f"half{i}", [halves[i]], out / f"half{i}", ["--no-prefect"], env, tmp,
                corpus["half_chars"][i], None, quiet_first=False))) for i in (0, 1)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = round(time.time() - t0, 2)
            runs["two_processes_halves"] = {
                "wall_s": wall, "chars": chars, "chars_per_s": rate(chars, wall),
                "clauses_per_s": rate(clauses or 0, wall), "processes": [both[0], both[1]], **quiet,
                "speedup_vs_one_process": round(e2e / wall, 2)}
            save()
    finally:
        res["loadavg_end"] = loadavg()
        save()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"[bench] kept {tmp}")
    print(f"[bench] wrote {results_path} and {md_path} in {time.time() - started:.0f} s")
    return 0


# --- the report ----------------------------------------------------------------------------

def _f(x: Any, nd: int = 0) -> str:
    if x is None:
        return "–"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, float):
        return f"{x:,.{nd}f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def _roles(x: dict[str, Any]) -> dict[str, list[float]]:
    mem = x.get("memory") or x.get("process", {}).get("memory") or {}
    return mem.get("by_role_mib", {})


def verdicts(res: dict[str, Any]) -> dict[str, Any]:
    """The issue's three targets, computed from the runs (None where a run is missing)."""
    r = res.get("runs", {})
    pk = r.get("pkuseg", {}).get("wall_s")
    np_ = r.get("cli_no_prefect", {})
    st = r.get("stages", {})
    out: dict[str, Any] = {}
    if pk and np_.get("wall_s"):
        out["ratio_e2e"] = round(pk / np_["wall_s"], 3)
    pkc = r.get("pkuseg", {}).get("cpu_s")
    if pkc and np_.get("cpu_s"):
        out["ratio_e2e_cpu"] = round(pkc / np_["cpu_s"], 3)
    if pk and st.get("processing_wall_s"):
        out["ratio_steady"] = round(pk / st["processing_wall_s"], 3)
    pk_cold = r.get("pkuseg", {}).get("cold_start_s")
    if pk and pk_cold and np_.get("wall_s"):
        # whole process against whole process: the reference's launch, import and model load
        # (its cold start) plus cutting the corpus, against the CLI's launch to exit
        out["ratio_whole_process"] = round((pk + pk_cold) / np_["wall_s"], 3)
    workers = [m for k in ("cli_prefect_workers1", "cli_prefect_workers2") for m in _roles(r.get(k, {})).get("worker", [])]
    workers += [m for k in ("cli_prefect_standing1", "cli_prefect_standing2")
                for m in (r.get(k, {}).get("cluster_memory") or {}).get("by_role_mib", {}).get("worker", [])]
    out["peak_worker_mib"] = max(workers) if workers else None
    out["peak_no_prefect_mib"] = (_roles(np_).get("main") or [None])[0]
    out["peak_threads_sample_mib"] = (_roles(r.get("cli_prefect_threads_sample4", {})).get("main") or [None])[0]
    w1, w2 = r.get("cli_prefect_workers1", {}).get("wall_s"), r.get("cli_prefect_workers2", {}).get("wall_s")
    if w1 and w2:
        out["speedup_dask"] = round(w1 / w2, 2)
    t1, t2 = (r.get(k, {}).get("timeline") or {} for k in ("cli_prefect_workers1", "cli_prefect_workers2"))
    if t1.get("task_phase_s") and t2.get("task_phase_s"):
        out["speedup_dask_task_phase"] = round(t1["task_phase_s"] / t2["task_phase_s"], 2)
    s1, s2 = r.get("cli_prefect_standing1", {}).get("wall_s"), r.get("cli_prefect_standing2", {}).get("wall_s")
    if s1 and s2:
        out["speedup_standing"] = round(s1 / s2, 2)
    u1, u2 = ((r.get(k, {}).get("timeline") or {}) for k in ("cli_prefect_standing1", "cli_prefect_standing2"))
    if u1.get("task_phase_s") and u2.get("task_phase_s"):
        out["speedup_standing_task_phase"] = round(u1["task_phase_s"] / u2["task_phase_s"], 2)
    if r.get("two_processes_halves", {}).get("speedup_vs_one_process"):
        out["speedup_two_processes"] = r["two_processes_halves"]["speedup_vs_one_process"]
    failed = {k: x["last_json"]["failed"] for k, x in r.items()
              if isinstance(x, dict) and (x.get("last_json") or {}).get("failed")}
    if failed:
        out["runs_with_failed_documents"] = failed
    return out


def render_markdown(res: dict[str, Any]) -> str:  # noqa: C901 - one report, top to bottom
    r = res.get("runs", {})
    m = res.get("machine", {})
    c = res.get("corpus", {})
    v = verdicts(res)
    res["verdicts"] = v
    pk, st = r.get("pkuseg", {}), r.get("stages", {})
    stages = st.get("stages", {})
    subs = st.get("substeps", {})
    L = ["# Benchmarks", "",
         "Generated by `make bench` (`benchmarks/run.py`; experiments by `benchmarks/run.py --experiments`); "
         "raw figures in `benchmarks/results.json`. Do not edit by hand.", "",
         f"- Date: {res.get('date', '?')}; whole run {res.get('elapsed_s', '?')} s "
         f"(budget {res.get('budget_s', 0) // 60} min).",
         f"- Machine: {m.get('nproc')} cores ({m.get('cpu_model')}), {m.get('memory_gib')} GiB memory, "
         f"Python {m.get('python')}.",
         f"- Load average (1/5/15 min) at start / end: {res.get('loadavg_start')} / {res.get('loadavg_end')}. "
         "Other work on the machine inflates wall time; CPU seconds are given too. Every timed run "
         f"starts once the CPUs were ≤ {SETTLE_BUSY:.0%} busy over a second (waiting at most "
         f"{SETTLE_MAX_S:g} s; the wait and the busy share found are in results.json), so one run's "
         "teardown is not timed as part of the next.",
         f"- Corpus: {_f(c.get('documents'))} documents, {_f(c.get('chars'))} characters, {_f(st.get('clauses'))} "
         f"clauses = {c.get('copies')} distinct copies (a unique last line each) of the {c.get('base_documents')} "
         f"bundled documents ({_f(c.get('base_chars'))} characters).",
         "- Throughput = corpus characters (or clauses) per wall-clock second, start-up included for whole "
         "processes. The raw pkuseg reference cuts each clause of `segment()` separately (the same pieces "
         "of text the pipeline tokenizes), after the model is loaded."]
    if v.get("runs_with_failed_documents"):
        L.append(f"- **Runs with failed documents** (figures not comparable): {v['runs_with_failed_documents']}.")
    L += ["", "## The issue's targets", "", "| target | measured | met? | why / note |", "|---|---|---|---|"]

    def row(name: str, val: str, ok: bool | None, why: str) -> None:
        L.append(f"| {name} | {val} | {'yes' if ok else ('no' if ok is not None else '–')} | {why} |")

    pk_in = sum(s["wall_s"] for k, s in subs.items() if k.startswith("pkuseg@"))
    fs = r.get("fastseg", {})
    fast_why = ""
    e2e_wall = r.get("cli_no_prefect", {}).get("wall_s")
    if fs.get("wall_s") and pk.get("wall_s") and e2e_wall:
        same = fs.get("tokens_sha256") == pk.get("tokens_sha256")
        fast_why = (
            "The pipeline segments with `pipeline/fastseg.py`, pkuseg's own `cut` with its CRF features "
            "looked up as integers instead of ~130 strings per character (the same model, pkuseg's "
            "pre/post-processing and Viterbi; bit-identical scores, tested against spacy_pkuseg): on this "
            f"corpus it cuts {_f(fs['chars_per_s'])} chars/s against the reference's {_f(pk['chars_per_s'])} "
            f"({_f(pk['wall_s'] / fs['wall_s'], 1)}×) and loads in {_f(fs.get('model_load_s'), 1)} s against "
            f"{_f(pk.get('model_load_s'), 1)} s; its tokens on all {_f(fs.get('clauses'))} clauses are "
            f"{'identical to' if same else '**not** identical to'} the reference's (SHA-256 of the token "
            f"lists). Against that segmenter as the reference the ratio would be "
            f"{_f(fs['wall_s'] / e2e_wall, 2)}× — the pipeline around the segmenter "
            "(start-up, classify, target rules) now costs more than the segmentation.")
    proc = st.get("processing_wall_s") or 0
    loads = sum(stages.get(k, {}).get("wall_s", 0) for k in ("load_nlp", "load_classifier"))
    ratio = v.get("ratio_e2e")
    why = ""
    if ratio is not None and proc:
        others = ", ".join(f"{k} {s['wall_s']:.0f} s" for k, s in stages.items()
                           if s.get("share_of_processing") and k != "targets" and s["wall_s"] >= 1)
        why = (f"pkuseg runs inside the pipeline on the clauses holding a numeral, % or 翻 only "
               f"({pk_in:.0f} s of {proc:.0f} s of processing), then the rest of target extraction "
               f"({max(0.0, stages.get('targets', {}).get('wall_s', 0) - pk_in):.0f} s), "
               f"{others}; plus {loads:.0f} s of model loading and the interpreter start. "
               f"Without start-up on either side: {_f(v.get('ratio_steady'), 2)}×; whole process against whole "
               f"process (the reference's launch and model load included): {_f(v.get('ratio_whole_process'), 2)}×. "
               + fast_why)
    row("end-to-end `ingest --no-prefect` / raw pkuseg, one core (≥ 0.8×)",
        f"{_f(ratio, 2)}× ({_f(r.get('cli_no_prefect', {}).get('chars_per_s'))} vs {_f(pk.get('chars_per_s'))} chars/s; "
        f"by CPU time {_f(v.get('ratio_e2e_cpu'), 2)}×)",
        None if ratio is None else ratio >= TARGET_RATIO, why)
    pw, pn, pt = v.get("peak_worker_mib"), v.get("peak_no_prefect_mib"), v.get("peak_threads_sample_mib")
    known = [x for x in (pw, pn, pt) if x is not None]
    if pt is not None and pn is not None and pt > 1.5 * pn:
        threads = (f"**the default thread runner (what `make run` uses) loads one pipeline per concurrently "
                   f"starting task: {_f(pt)} MiB on 4 documents** (guard `load_nlp()` and the Engine with a lock)")
    else:
        threads = "the default thread runner shares one pipeline per process (4-document sample)"
    row("peak memory per worker (≤ 2 GiB)",
        f"{_f(pw)} MiB per Dask worker; {_f(pn)} MiB for `--no-prefect`; {_f(pt)} MiB for the default "
        "thread runner on 4 documents",
        None if not known else max(known) <= TARGET_MEM_MIB,
        f"spacy_pkuseg alone peaks at {_f(pk.get('peak_rss_mib'))} MiB (its 2.6M-string feature dict), "
        f"the pipeline's segmenter at {_f(fs.get('peak_rss_mib'))} MiB, the spaCy pipeline at "
        f"{_f(r.get('nlp_pipe', {}).get('peak_rss_mib'))} MiB; a worker holds one pipeline and the classifier; "
        f"{threads}.")
    sd, s2 = v.get("speedup_dask"), v.get("speedup_two_processes")
    t1, t2 = (r.get(k, {}).get("timeline") or {} for k in ("cli_prefect_workers1", "cli_prefect_workers2"))
    per_task = None
    if t1.get("task_phase_s") and st.get("processing_wall_s") and c.get("documents"):
        # tasks are batches of documents: compare with the in-process time of an average batch
        per_task = (t1["task_phase_s"] / max(t1["tasks"] - 1, 1)) - st["processing_wall_s"] / t1["tasks"]
    la = [r.get(k, {}).get("loadavg_before") for k in ("cli_prefect_workers1", "cli_prefect_workers2")]
    ss = v.get("speedup_standing")
    u1, u2 = ((r.get(k, {}).get("timeline") or {}) for k in ("cli_prefect_standing1", "cli_prefect_standing2"))
    standing_why = ""
    if ss is not None:
        standing_why = (
            f"**Standing cluster** (`policy-clauses cluster --workers N`, models loaded when it starts, "
            f"{_f(r['cli_prefect_standing1'].get('cluster_ready_s'), 0)} s / "
            f"{_f(r['cli_prefect_standing2'].get('cluster_ready_s'), 0)} s, paid once; runs with `--dask-address`): "
            f"{_f(ss, 2)}×, {_f(r['cli_prefect_standing1']['wall_s'], 0)} s → "
            f"{_f(r['cli_prefect_standing2']['wall_s'], 0)} s (median of "
            f"{len(r['cli_prefect_standing1'].get('tries_wall_s') or [1])} runs each on a fresh cluster, "
            f"1 worker {r['cli_prefect_standing1'].get('tries_wall_s')} s, 2 workers "
            f"{r['cli_prefect_standing2'].get('tries_wall_s')} s); its task phase {_f(u1.get('task_phase_s'), 0)} s → "
            f"{_f(u2.get('task_phase_s'), 0)} s ({_f(v.get('speedup_standing_task_phase'), 2)}×); the first task "
            f"starts {_f(u1.get('first_task_start_s'), 0)} s / {_f(u2.get('first_task_start_s'), 0)} s after "
            "launch (interpreter, `import prefect`, flow run, plan: read and hash every input) and the "
            "flow, scheduler and Prefect server share the 2 cores with the workers (two busy in-process "
            "pipelines ran ~12% slower each than one alone in a separate check, 2026-11-22). "
            "**Cluster per run** (`--workers N`): ")
    row("2 workers vs 1 (≥ 1.6×)",
        (f"{_f(ss, 2)}× standing cluster; " if ss is not None else "")
        + f"{_f(sd, 2)}× cluster per run (`--workers 2` vs `--workers 1`); {_f(s2, 2)}× (two `--no-prefect` "
        "processes on halves vs one on all)",
        (ss >= TARGET_SPEEDUP) if ss is not None else
        (sd >= TARGET_SPEEDUP) if sd is not None else (None if s2 is None else s2 >= TARGET_SPEEDUP),
        standing_why + (f"the task phase (first to last finished task) scales {_f(v.get('speedup_dask_task_phase'), 2)}× "
         f"({_f(t1.get('task_phase_s'), 0)} s → {_f(t2.get('task_phase_s'), 0)} s for {t1.get('tasks')} tasks); "
         f"the serial part does not: launch to first finished task {_f(t1.get('first_task_done_s'), 0)} s / "
         f"{_f(t2.get('first_task_done_s'), 0)} s (interpreter and flow start, Dask cluster, each worker importing "
         "and loading the models; two loads at once share the 2 cores), then commit and shutdown. "
         + (f"Per task (a batch of documents), Prefect and Dask add ~{_f(per_task, 2)} s over the in-process "
            "time of its documents. " if per_task is not None and per_task > 0 else
            f"One worker's task phase ({_f(t1.get('task_phase_s'), 0)} s) is no longer than the in-process "
            f"processing time of the same documents ({_f(st.get('processing_wall_s'), 0)} s, measured with the "
            "stage clocks on, which add their own overhead): no per-task orchestration cost is measurable. ")
         + f"On 2 cores the flow process, scheduler "
         f"and Prefect server compete with the workers; load average before the runs {la}.") if t1 and t2 else
        "see the timeline in results.json")

    L += ["", "## Throughput, cold start and memory", "",
          "| measurement | wall s | CPU s | chars/s | clauses/s | cold start s | peak RSS MiB per process |",
          "|---|---|---|---|---|---|---|"]

    def mem_of(x: dict[str, Any]) -> str:
        parts = [f"{k} {'/'.join(_f(y) for y in vals[:3])}" for k, vals in _roles(x).items()
                 if k in ("main", "worker", "prefect-server") and vals]
        return "; ".join(parts) or _f(x.get("peak_rss_mib"))

    def trow(name: str, x: dict[str, Any] | None, cold: Any = None) -> None:
        if not x or "error" in x:
            L.append(f"| {name} | {'failed' if x else 'not run'} | | | | | |")
            return
        L.append(f"| {name} | {_f(x.get('wall_s'), 1)} | {_f(x.get('cpu_s'), 1)} | {_f(x.get('chars_per_s'))} | "
                 f"{_f(x.get('clauses_per_s'))} | {_f(cold if cold is not None else x.get('cold_start_s'), 1)} | {mem_of(x)} |")

    one = r.get("cli_no_prefect_one_doc", {}).get("wall_s")
    trow("raw `spacy_pkuseg` `.cut` per clause (reference)", pk)
    trow("the pipeline's segmenter (`pipeline/fastseg.py`) `.cut_many`, 256 clauses a batch; same tokens", fs)
    trow("`load_nlp()` + `nlp.pipe(clauses, batch_size=64)`", r.get("nlp_pipe"))
    if st.get("stages"):
        L.append(f"| in-process `ingest()` of that CLI run, model loads excluded | {_f(proc, 1)} | "
                 f"{_f(st.get('processing_cpu_s'), 1)} | {_f(st.get('processing_chars_per_s'))} | "
                 f"{_f(st.get('processing_clauses_per_s'))} | {_f(st.get('cold_start_to_first_document_s'), 1)} | |")
    trow("`policy-clauses ingest --no-prefect`", r.get("cli_no_prefect"), one)
    trow("same, rerun with nothing new", r.get("cli_no_prefect_rerun"), "–")
    for k, label in (("cli_prefect_workers1", "Prefect flow, server, `--workers 1` (Dask)"),
                     ("cli_prefect_workers2", "Prefect flow, server, `--workers 2` (Dask)"),
                     ("cli_prefect_standing1", "Prefect flow, server, standing cluster of 1 worker"),
                     ("cli_prefect_standing2", "Prefect flow, server, standing cluster of 2 workers")):
        x = r.get(k)
        if x and x.get("cluster_memory"):  # the workers belong to the cluster's process tree
            x = {**x, "memory": {"by_role_mib": {**_roles(x), "worker": _roles({"memory": x["cluster_memory"]})
                                                 .get("worker", [])}}}
        trow(label, x, ((r.get(k) or {}).get("timeline") or {}).get("first_task_done_s"))
    h = r.get("two_processes_halves")
    if h:
        L.append(f"| two `--no-prefect` processes, one half each, concurrently | {_f(h['wall_s'], 1)} | "
                 f"{_f(sum(p['cpu_s'] for p in h['processes']), 1)} | {_f(h['chars_per_s'])} | "
                 f"{_f(h['clauses_per_s'])} | – | {' / '.join(_f(p['memory']['max_process_mib']) for p in h['processes'])} |")
    trow("Prefect flow, default thread runner, 4 documents", r.get("cli_prefect_threads_sample4"),
         r.get("cli_prefect_server_one_doc", {}).get("wall_s"))
    L += ["", f"Cold start = launch to first result: for the CLI rows a whole run on one document "
          f"({_f(c.get('one_doc_chars'))} characters; for the thread-runner row, against the server); for the "
          "in-process rows, launch to the first processed sample or document; for the Dask rows, launch "
          "to the first finished task. Peak RSS is each process's "
          "VmHWM: main = the CLI or benchmark process, worker = Dask worker processes."]
    eph = r.get("cli_prefect_ephemeral_one_doc", {}).get("wall_s")
    srv1 = r.get("cli_prefect_server_one_doc", {}).get("wall_s")
    if eph and one:
        L += ["", "### Orchestration overhead", "",
              f"- One document: `--no-prefect` {one:.1f} s; the Prefect flow with its temporary server "
              f"{eph:.1f} s (+{eph - one:.1f} s)"
              + (f"; against a running server {srv1:.1f} s (+{srv1 - one:.1f} s), so the temporary server "
                 f"itself costs ~{eph - srv1:.0f} s per process" if srv1 else "") + "."]
        if res.get("prefect_server"):
            L.append(f"- `prefect server start` took {res['prefect_server'].get('startup_s')} s to answer "
                     "`/api/health` (paid once; the server then serves every run).")
        rerun = r.get("cli_no_prefect_rerun", {}).get("wall_s")
        if rerun:
            L.append(f"- Incremental run with nothing new over the whole corpus: {rerun:.1f} s "
                     "(every input is read, decoded and hashed; no model is used for the decision).")
    if stages:
        L += ["", "## Where the time goes (`--no-prefect` run, stage by stage)", "",
              "| stage | wall s | CPU s | share of processing | chars/s |", "|---|---|---|---|---|"]
        for s in stages.values():
            share = s.get("share_of_processing")
            L.append(f"| {s['label']} | {s['wall_s']:.2f} | {s['cpu_s']:.2f} | "
                     f"{'–' if share is None else f'{share:.1%}'} | {_f(s.get('chars_per_s'))} |")
        L += ["", "Inside the stages (inclusive wall time, `step@stage`):", ""]
        for k, s in list(subs.items())[:10]:
            L.append(f"- `{k}`: {s['wall_s']:.2f} s in {s['calls']:,} calls")
    ex = res.get("experiments", {})
    if ex and "error" not in ex:
        L += ["", f"## Experiments ({ex.get('corpus')}; `--experiments`, {ex.get('date')})", ""]
        if ex.get("batching"):
            L.append("- Batching: " + "; ".join(f"{k}: {_f(x['chars_per_s'])} chars/s" for k, x in ex["batching"].items())
                     + ". spaCy's `nlp.pipe` calls the tokenizer text by text, and the rule component works text by "
                     "text; the ingest instead hands `nlp.pipe` Docs from `tokenizer.pipe`, which segments each "
                     "batch in one pass (`FastPkuseg.cut_many`; see the stage table).")
        t2 = ex.get("t2s")
        if t2:
            L.append(f"- t2s (`pipeline/script.py`): {t2['calls']:,} calls convert {t2['chars_converted']:,} characters "
                     f"for a {t2['corpus_chars']:,}-character corpus ({t2['chars_converted'] / t2['corpus_chars']:.1f}× "
                     f"the text); processing the 14 documents took {t2['process_wall_s']} s.")
        ft = ex.get("fast_t2s")
        if ft:
            L.append(f"- Exact fast t2s (`pipeline.script.t2s`): {ft['mismatches']} mismatches with OpenCC on {ft['texts_checked']:,} "
                     f"texts (the corpus, every text the ingest converts, the gold annotations, 3,000 random strings of "
                     f"dictionary keys); {ft['opencc_s']} s → {ft['fast_s']} s ({ft['speedup']}× faster).")
        pq_ = ex.get("parquet")
        if pq_:
            o, n = pq_["one_new_doc"], pq_["nothing_new"]
            L.append(f"- Parquet: one new document into an output of 14: plan {o['plan_s']} s, process {o['process_s']} s, "
                     f"commit {o['commit_s']} s (each table read, filtered, rewritten, fsynced); nothing new: "
                     f"plan {n['plan_s']} s, commit {n['commit_s']} s.")
        if ex.get("numeral_gate"):
            L += ["", "| pkuseg + target component run on | clauses | characters | extract s | same targets as product "
                  "| gold value+unit F1 | gold full-record F1 |", "|---|---|---|---|---|---|---|"]
            for k, x in ex["numeral_gate"].items():
                L.append(f"| {k} | {x['clause_share']:.0%} | {x['char_share']:.0%} | {x['extract_wall_s']} | "
                         f"{x.get('same_targets_as_product', x.get('same_targets_as_current'))} | {x['gold_value_unit_f1']} | {x['gold_full_record_f1']} |")
        prof = ex.get("profile")
        if prof:
            L += ["", f"cProfile of the in-process ingest ({prof['total_s']} s under the profiler), "
                  "top functions by own time:", "", "| function | own s | share | calls |", "|---|---|---|---|"]
            for x in prof["top_tottime"][:12]:
                L.append(f"| `{x['function']}` | {x['tottime_s']} | {x['share']:.1%} | {x['calls']:,} |")
    if res.get("skipped"):
        L += ["", "## Skipped", ""] + [f"- {k}: {why}" for k, why in res["skipped"].items()]
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
