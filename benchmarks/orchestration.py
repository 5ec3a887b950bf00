"""``policy-clauses ingest`` measured as a subprocess: without Prefect, with the Prefect flow
(temporary server, a server started here), Dask clusters per run and standing, the default
thread runner, and two processes side by side."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.stages import hook_env
from benchmarks.timing import BIN, CLI, ROOT, TreeSampler, median_run, rate, run_proc, settle

STANDING_REPEATS = 3  # runs per standing-cluster size (median reported)


@dataclass
class Session:
    """What the runs of one benchmark share."""

    tmp: Path
    env: dict[str, str]
    corpus: dict[str, Any]  # from ``build_corpus``
    out: Path  # each run writes to its own folder below this one
    res: dict[str, Any]  # the results so far: ``res["runs"]``, ``res["prefect_server"]``
    save: Callable[[], None]  # writes results.json and BENCHMARKS.md as they stand
    fits: Callable[[str, float], bool]  # enough budget left for a run of ~N s? (records a skip if not)


# --- one CLI run ---------------------------------------------------------------------------

def count_clauses(out: Path) -> int | None:
    try:
        import pyarrow.parquet as pq

        return pq.read_metadata(out / "clauses.parquet").num_rows
    except Exception:  # noqa: BLE001 - a failed run has no table
        return None


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


# --- the Prefect server and a standing Dask cluster ------------------------------------------

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


# --- the measurements, in the order the runner calls them ---------------------------------------

def measure_without_prefect(s: Session) -> tuple[int | None, float]:
    """End to end in one process, no Prefect (stage times recorded from inside the same run),
    its rerun with nothing new, one document; then the Prefect flow with its temporary server
    on one document (the orchestration overhead). Returns (clauses, wall s of the first run)."""
    runs, tmp, env, out = s.res["runs"], s.tmp, s.env, s.out
    halves, chars = s.corpus["halves"], s.corpus["chars"]
    one_doc, one_chars = [s.corpus["one_doc"]], s.corpus["one_doc_chars"]
    rep = tmp / "stages.json"
    r = cli_run("cli_no_prefect", halves, out / "no-prefect", ["--no-prefect"],
                hook_env(env, tmp, "stages", rep), tmp, chars, None)
    runs["cli_no_prefect"] = r
    runs["stages"] = json.loads(rep.read_text()) if rep.exists() else {"error": "no stage report"}
    clauses = runs["stages"].get("clauses") or r["clauses"]
    e2e = r["wall_s"]
    s.save()
    runs["cli_no_prefect_rerun"] = cli_run("cli_no_prefect_rerun", halves, out / "no-prefect", ["--no-prefect"],
                                           env, tmp, chars, clauses)
    runs["cli_no_prefect_one_doc"] = cli_run("cli_no_prefect_one_doc", one_doc, out / "one-np",
                                             ["--no-prefect"], env, tmp, one_chars, None)
    s.save()
    runs["cli_prefect_ephemeral_one_doc"] = cli_run("cli_prefect_ephemeral_one_doc", one_doc, out / "one-eph",
                                                    [], env, tmp, one_chars, None)
    s.save()
    return clauses, e2e


def measure_with_server(s: Session, clauses: int | None, e2e: float) -> None:
    """Every run against one Prefect server started here (its start-up and memory recorded)."""
    server = PrefectServer(s.tmp, s.env)
    s.res["prefect_server"] = {"startup_s": server.start()}
    try:
        senv = server.env
        s.res["runs"]["cli_prefect_server_one_doc"] = cli_run(
            "cli_prefect_server_one_doc", [s.corpus["one_doc"]], s.out / "one-srv", [], senv, s.tmp,
            s.corpus["one_doc_chars"], None)
        s.save()
        _cluster_per_run(s, senv, clauses, e2e)
        _standing_clusters(s, server, clauses, e2e)
        _thread_runner_sample(s, senv)
    finally:
        s.res["prefect_server"]["memory"] = server.stop()


def _cluster_per_run(s: Session, senv: dict[str, str], clauses: int | None, e2e: float) -> None:
    """``--workers 2`` and ``--workers 1``: each run starts its own Dask cluster."""
    for name, extra, factor in (("cli_prefect_workers2", ["--workers", "2"], 1.0),
                                ("cli_prefect_workers1", ["--workers", "1"], 1.5)):
        if s.fits(name, e2e * factor + 20):
            s.res["runs"][name] = cli_run(name, s.corpus["halves"], s.out / name, extra, senv, s.tmp,
                                          s.corpus["chars"], clauses)
            s.save()


def _standing_clusters(s: Session, server: PrefectServer, clauses: int | None, e2e: float) -> None:
    """A standing cluster (`policy-clauses cluster`): workers load the models when the cluster
    starts, so a run pays neither the cluster start nor the loads. STANDING_REPEATS runs per
    size, alternating 2, 1, 2, 1 …, each on a fresh cluster (no warm caches from an earlier
    run); the median run is reported."""
    runs, senv = s.res["runs"], server.env
    tries: dict[str, list[dict[str, Any]]] = {}
    for rep_i in range(STANDING_REPEATS):
        for n in (2, 1):
            name = f"cli_prefect_standing{n}"
            if not s.fits(f"{name} #{rep_i + 1}", e2e * (1.0 if n == 2 else 1.2) + 25):
                continue
            cluster = StandingCluster(n, s.tmp, senv)
            run: dict[str, Any] = {}
            try:
                address, ready = cluster.start()
                launch = time.time()
                run = cli_run(name, s.corpus["halves"], s.out / f"{name}-{rep_i}", ["--dask-address", address],
                              senv, s.tmp, s.corpus["chars"], clauses)
                run["timeline"] = api_timeline(server.api, launch)
                run["cluster_ready_s"] = ready
            except RuntimeError as e:
                run = {"error": str(e)}
            finally:
                run["cluster_memory"] = cluster.stop()
            tries.setdefault(name, []).append(run)
            runs[name] = median_run(tries[name])
            s.save()


def _thread_runner_sample(s: Session, senv: dict[str, str]) -> None:
    """The default task runner (threads) on a 4-document sample only: every task thread loads
    its own copy of the models (see BENCHMARKS.md), so the whole corpus would need ~1 GiB per
    document at once."""
    sample = s.tmp / "corpus" / "sample4"
    sample.mkdir()
    for f in sorted(Path(s.corpus["halves"][0]).glob("*.txt"))[:4]:
        shutil.copy(f, sample / f.name)
    sample_chars = sum(len(f.read_text(encoding="utf-8")) for f in sample.glob("*.txt"))
    for name, e in (("cli_prefect_threads_sample4", senv),):
        if s.fits(name, 60):
            s.res["runs"][name] = cli_run(name, [str(sample)], s.out / name, [], e, s.tmp, sample_chars, None)
            s.save()


def measure_two_processes(s: Session, clauses: int | None, e2e: float) -> None:
    """An alternative 2-process measurement: two ``--no-prefect`` processes on the halves."""
    if not s.fits("two_processes_halves", e2e * 0.9):
        return
    halves, chars = s.corpus["halves"], s.corpus["chars"]
    print("[bench] two_processes_halves ...", flush=True)
    both: dict[int, dict[str, Any]] = {}
    quiet = settle()  # once for the pair: each half must not wait for the other
    t0 = time.time()
    threads = [threading.Thread(target=lambda i=i: both.__setitem__(i, cli_run(
        f"half{i}", [halves[i]], s.out / f"half{i}", ["--no-prefect"], s.env, s.tmp,
        s.corpus["half_chars"][i], None, quiet_first=False))) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = round(time.time() - t0, 2)
    s.res["runs"]["two_processes_halves"] = {
        "wall_s": wall, "chars": chars, "chars_per_s": rate(chars, wall),
        "clauses_per_s": rate(clauses or 0, wall), "processes": [both[0], both[1]], **quiet,
        "speedup_vs_one_process": round(e2e / wall, 2)}
    s.save()
