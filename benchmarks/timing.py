"""How every measurement is timed: wall and CPU clocks, waiting for a quiet machine, peak
memory of a whole process tree, and one benchmark step run in a fresh process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUN_SCRIPT = ROOT / "benchmarks" / "run.py"  # re-run with ``--child NAME`` for in-process measurements
BIN = Path(sys.executable).parent
CLI = str(BIN / "policy-clauses")
SETTLE_BUSY = 0.10  # a timed run starts once the CPUs were ≤ 10% busy over a second …
SETTLE_MAX_S = 15.0  # … or after this long, whichever comes first


# --- clocks and figures ----------------------------------------------------------------

def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def rate(n: float, s: float | None) -> float | None:
    return round(n / s, 1) if s else None


def launch_time() -> float:
    """When the benchmark launched this process (BENCH_LAUNCH, set by ``run_proc``)."""
    return float(os.environ.get("BENCH_LAUNCH", time.time()))


def timed(fn, *args) -> tuple[Any, float, float]:  # type: ignore[no-untyped-def]
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - w, time.process_time() - c


# --- peak memory -------------------------------------------------------------------------

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


# --- a quiet machine ---------------------------------------------------------------------

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


# --- one timed process -------------------------------------------------------------------

def _wait_or_kill(proc: subprocess.Popen[bytes], deadline: float) -> tuple[int, Any]:
    """Reap ``proc`` (wait status, rusage of it and its reaped descendants); past
    ``deadline`` its process group gets SIGTERM, then SIGKILL 5 s later."""
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            return status, ru
        if time.time() > deadline:
            os.killpg(proc.pid, signal.SIGTERM)
            time.sleep(5)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            pid, status, ru = os.wait4(proc.pid, 0)
            return status, ru
        time.sleep(0.05)


def _last_json_line(text: str) -> Any:
    """The last line of a log that parses as a JSON object (the CLI's ``--json`` summary)."""
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


def _describe(cmd: list[str]) -> str:
    """The command as recorded: the CLI's arguments, or the interpreter and script by name."""
    if cmd[0] == CLI:
        return " ".join(cmd[1:])
    return " ".join(Path(c).name for c in cmd[:2]) + " " + " ".join(cmd[2:])


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
        status, ru = _wait_or_kill(proc, t0 + timeout)
        wall = time.time() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        mem = sampler.stop()
    text = log.read_text(errors="replace")
    last = _last_json_line(text)
    return {"t0": t0, "log_text": text, "cmd": _describe(cmd),
            "returncode": proc.returncode, "wall_s": round(wall, 2),
            "cpu_s": round(ru.ru_utime + ru.ru_stime, 2), "wait4_maxrss_mib": round(ru.ru_maxrss / 1024, 1),
            "memory": mem, "loadavg_before": la, "loadavg_after": loadavg(), **quiet,
            "last_json": last, "log_tail": text[-1500:] if proc.returncode else ""}


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


def run_child(name: str, tmp: Path, env: dict[str, str], extra: list[str]) -> dict[str, Any]:
    """``run.py --child NAME`` in a fresh process: its own report plus the process's figures."""
    print(f"[bench] {name} ...", flush=True)
    report = tmp / f"{name}.json"
    cmd = [sys.executable, str(RUN_SCRIPT), "--child", name, "--report", str(report), *extra]
    r = run_proc(cmd, env, tmp / f"{name}.log", timeout=900)
    if r["returncode"] != 0 or not report.exists():
        print(f"[bench] {name} FAILED:\n{r['log_tail']}", flush=True)
        return {"error": r["log_tail"], "process": r}
    rep = json.loads(report.read_text())
    rep["process"] = {k: r[k] for k in ("wall_s", "cpu_s", "memory", "loadavg_before", "loadavg_after")}
    print(f"[bench] {name}: done in {r['wall_s']} s, peak {r['memory']['max_process_mib']} MiB", flush=True)
    return rep
