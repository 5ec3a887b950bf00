"""Against a real Prefect server: a scheduled ingest deployment picks up a new document,
and the Dask task runner gives the same tables as the default runner."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from ..conftest import CORPUS, ROOT

pytestmark = pytest.mark.server

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen, timeout: float = 90) -> bool:  # type: ignore[type-arg]
    """SIGTERM, then SIGKILL after ``timeout``; True when it had to be killed (a killed serve
    cannot clean up after itself, so the clean-up checks would fail for the wrong reason)."""
    if proc.poll() is not None:
        return False
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return True


@pytest.fixture(scope="module")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    port = _free_port()
    home = tmp_path_factory.mktemp("prefect-server-home")
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_UI_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(home / "storage"),
    }
    log = open(home / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
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
        time.sleep(1)
    try:
        yield env
    finally:
        _stop(proc)
        log.close()


@pytest.fixture(scope="module")
def standing_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """``policy-clauses cluster --workers 1``: its address, and its log."""
    logs = tmp_path_factory.mktemp("cluster")
    out, err = open(logs / "stdout", "w"), open(logs / "stderr", "w")  # noqa: SIM115
    proc = subprocess.Popen([str(BIN / "policy-clauses"), "cluster", "--workers", "1", "--port", "0"],
                            cwd=ROOT, stdout=out, stderr=err, start_new_session=True)
    deadline = time.monotonic() + 180
    try:
        while not (logs / "stdout").read_text().strip():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("cluster did not start:\n" + (logs / "stderr").read_text()[-3000:])
            time.sleep(0.5)
        info = json.loads((logs / "stdout").read_text().strip().splitlines()[-1])
        yield {"address": info["dask_address"], "stderr": str(logs / "stderr")}
    finally:
        _stop(proc)
        out.close()
        err.close()


def _tasks_computed(address: str) -> int:
    """How many ingest tasks the cluster's scheduler has seen computed so far."""
    from distributed import Client

    def count(dask_scheduler) -> int:  # type: ignore[no-untyped-def]
        return sum(p.state_counts.get("memory", 0) for name, p in dask_scheduler.task_prefixes.items()
                   if "process" in name)

    with Client(address, timeout=30) as c:
        return int(c.run_on_scheduler(count))


def test_standing_cluster_workers_hold_the_models_before_any_run(standing_cluster: dict[str, str]) -> None:
    """The workers of ``policy-clauses cluster`` load the models at start (Dask preload),
    with Dask's profiler and fast polling off."""
    from distributed import Client

    assert "models loaded in" in Path(standing_cluster["stderr"]).read_text()

    def state() -> dict[str, object]:
        import dask

        from flows import ingest

        eng = ingest._ENGINES.get(None)
        return {"nlp": eng is not None and eng._nlp is not None,
                "classifier": eng is not None and eng._classifier is not None,
                "profile": dask.config.get("distributed.worker.profile.enabled")}

    with Client(standing_cluster["address"], timeout=30) as c:
        states = list(c.run(state).values())
    assert states == [{"nlp": True, "classifier": True, "profile": False}]


def test_scheduled_ingest_picks_up_a_new_document(server_env: dict[str, str], standing_cluster: dict[str, str],
                                                  tmp_path: Path) -> None:
    """``serve`` runs the scheduled ingest on the cluster POLICY_DASK_ADDRESS names."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    shutil.copy(CORPUS / "shanghai-2017-consumer-goods-quality.txt", inbox / "first.txt")
    tmp = tmp_path / "tmp"  # serve's TMPDIR: what it leaves there is checked after it stops
    tmp.mkdir()
    env = {**server_env, "POLICY_INBOX": str(inbox), "POLICY_OUT": str(out), "TMPDIR": str(tmp),
           "POLICY_INGEST_INTERVAL_MINUTES": "0.1", "POLICY_DASK_ADDRESS": standing_cluster["address"]}
    before = _tasks_computed(standing_cluster["address"])
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115
    serve = subprocess.Popen([str(BIN / "policy-clauses"), "serve"], env=env, cwd=ROOT,
                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for_doc(out, "first", serve, tmp_path / "serve.log")
        shutil.copy(CORPUS / "gansu-2015-quality-action-plan.txt", inbox / "second.txt")
        _wait_for_doc(out, "second", serve, tmp_path / "serve.log")
    finally:
        killed = _stop(serve)  # serve processes go down before the server, or they hang
        log.close()
    assert not killed, "serve did not stop within 90 s of SIGTERM"
    docs = pd.read_parquet(out / "documents.parquet")
    assert sorted(docs.doc_id) == ["first", "second"]
    clauses = pd.read_parquet(out / "clauses.parquet")
    assert clauses.label.notna().all()
    assert _tasks_computed(standing_cluster["address"]) >= before + 2  # one task per document
    # Prefect's runner storage (TMPDIR/runner_storage/<uuid>) does not outlive serve.
    storage = tmp / "runner_storage"
    assert not storage.exists() or not any(storage.iterdir()), sorted(storage.iterdir())


def _wait_for_doc(out: Path, doc_id: str, proc: subprocess.Popen, log: Path, timeout: float = 240) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        path = out / "documents.parquet"
        if path.exists() and doc_id in set(pd.read_parquet(path).doc_id):
            return
        if proc.poll() is not None:
            pytest.fail("serve exited:\n" + log.read_text()[-3000:])
        time.sleep(2)
    pytest.fail(f"no scheduled run ingested {doc_id!r} within {timeout}s:\n" + log.read_text()[-3000:])


def test_dask_runner_gives_the_same_tables(server_env: dict[str, str], standing_cluster: dict[str, str],
                                          tmp_path: Path) -> None:
    """Threads, a local cluster per run (--workers) and a standing cluster (--dask-address)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("gansu-2015-quality-action-plan", "shanghai-2017-consumer-goods-quality", "anhui-2022-rcep-opening"):
        shutil.copy(CORPUS / f"{name}.txt", inbox / f"{name}.txt")
    results = {}
    for name, extra in (("default", []), ("dask", ["--workers", "2"]),
                        ("standing", ["--dask-address", standing_cluster["address"]])):
        out = tmp_path / name
        r = subprocess.run([str(BIN / "policy-clauses"), "ingest", str(inbox), "--out", str(out), "--json", *extra],
                           env=server_env, cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr[-3000:]
        assert json.loads(r.stdout.strip().splitlines()[-1])["new"] == 3
        results[name] = out
    for table in ("documents", "clauses", "targets", "errors"):
        volatile = ["ingested_at", "at", "source_path"]
        a = pd.read_parquet(results["default"] / f"{table}.parquet")
        a = a.drop(columns=volatile, errors="ignore").reset_index(drop=True)
        assert len(a) or table in ("errors", "targets")
        for other in ("dask", "standing"):
            b = pd.read_parquet(results[other] / f"{table}.parquet")
            b = b.drop(columns=volatile, errors="ignore").reset_index(drop=True)
            pd.testing.assert_frame_equal(a, b)
