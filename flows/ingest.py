"""The ingest flow: scan, skip what is unchanged, documents batched into tasks, atomic writes.

The documents to process go to tasks in batches of near-equal size, at most about
``batch_chars`` characters (``POLICY_BATCH_CHARS``, default 150,000) and as many as a
multiple of the parallel slots (Dask worker threads, else CPUs), so that every slot gets
the same share: each Prefect task costs ~0.5 s of orchestration in all (flow process,
worker, server), which batches amortise (1M characters, 2 Dask workers vs 1: 50,000-
character tasks 62 s vs 75 s, 150,000 50 s vs 66 s). A document that fails
fails alone: ``process_one`` turns its exception into an error row, and a batch whose
task fails outright (after its retries, e.g. a worker that died) is run again one task
per document, so only the document that breaks a task gets the error.
"""

from __future__ import annotations

import heapq
from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow, task, unmapped
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE
from prefect.context import FlowRunContext
from prefect.states import Failed

from pipeline.errors import UserError, check_output_folder, remove_if_unused
from pipeline.ingest import (
    Engine,
    InputError,
    Rows,
    commit,
    lock,
    plan,
    process_one,
    verify_registered,
)
from pipeline.provision import check_nlp_model, require_current
from pipeline.tables import check_stored
from pipeline.text.read import Document

_ENGINES: dict[str | None, Engine] = {}


def engine(models_dir: str | None = None) -> Engine:
    """One Engine (spaCy pipeline, classifier) per process: Dask workers load it once."""
    if models_dir not in _ENGINES:
        _ENGINES[models_dir] = Engine(models_dir=Path(models_dir) if models_dir else None)
    return _ENGINES[models_dir]


def reset_engine() -> None:
    """Forget the loaded Engine (after a model promotion) so the next task loads the new one."""
    _ENGINES.clear()


def _label(docs: list[Document]) -> str:
    return docs[0].doc_id + (f" (+{len(docs) - 1})" if len(docs) > 1 else "")


def _retry_unless_user_error(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a failed batch (a worker that died), but not a missing or damaged model."""
    try:
        state.result()
    except UserError:
        return False
    except BaseException:  # noqa: BLE001 - any other failure is worth a retry
        return True
    return True


@task(retries=2, retry_delay_seconds=2, retry_condition_fn=_retry_unless_user_error, cache_policy=NONE,
      task_run_name="process {label}")
def process_batch(docs: list[Document], model_version: str | None, now: datetime,
                  models_dir: str | None = None, label: str = "") -> list[Rows | InputError]:
    """Segment, label and extract each document of the batch (an error row for one that fails).
    A model that cannot be loaded fails the task with ``UserError`` (and so the run)."""
    eng = engine(models_dir)
    if eng.model_version != model_version:
        # This process loaded its model before a promotion (a long-lived Dask worker):
        # load the current one, so the rows name the model that labelled them.
        _ENGINES.pop(models_dir, None)
        eng = engine(models_dir)
    if eng.classifier is not None or eng.use_targets:
        eng.nlp  # noqa: B018 - a missing or damaged model stops the run, not each document
    return [process_one(eng, d, model_version, now) for d in docs]


def make_batches(docs: list[Document], parallelism: int, batch_chars: int) -> list[list[Document]]:
    """The documents in batches of near-equal size: as many batches as needed to stay near
    ``batch_chars`` characters each, rounded up to a multiple of ``parallelism`` so every
    slot gets the same share (a run of a few documents still runs in parallel); largest
    document first into the lightest batch. Batches keep the documents' order and come
    largest first."""
    if not docs:
        return []
    slots = max(1, parallelism)
    total = sum(len(d.text) for d in docs)
    k = min(len(docs), slots * max(1, -(-total // (max(1, batch_chars) * slots))))
    bins: list[list[int]] = [[] for _ in range(k)]
    heap = [(0, j) for j in range(k)]  # (characters, batch)
    for i in sorted(range(len(docs)), key=lambda i: (-len(docs[i].text), i)):
        chars, j = heapq.heappop(heap)
        bins[j].append(i)
        heapq.heappush(heap, (chars + len(docs[i].text), j))
    batches = [[docs[i] for i in sorted(b)] for b in bins if b]
    return sorted(batches, key=lambda b: -sum(len(d.text) for d in b))


def _dask_runner() -> Any:
    """The flow run's DaskTaskRunner, or None (the default thread runner)."""
    ctx = FlowRunContext.get()
    runner = ctx.task_runner if ctx else None
    return runner if type(runner).__name__ == "DaskTaskRunner" else None


def _parallelism() -> int:
    """Tasks that can run at once: the Dask cluster's worker threads, else the CPU count."""
    import os

    runner = _dask_runner()
    if runner is not None:
        return max(1, sum(runner.client.nthreads().values()))
    return os.cpu_count() or 1


def run_batches(batches: list[list[Document]], model_version: str | None, now: datetime,
                models_dir: str | None) -> list[Rows | InputError]:
    """Every document's Rows or InputError, in document order."""
    futures = process_batch.map(batches, unmapped(model_version), unmapped(now), unmapped(models_dir),
                                [_label(b) for b in batches])
    results: list[Rows | InputError] = []
    for batch, fut in zip(batches, futures, strict=True):
        try:
            results.extend(fut.result())
        except UserError:
            raise  # a missing or damaged model: every document would fail the same way
        except Exception as e:  # noqa: BLE001 - the task failed after its retries
            if len(batch) > 1:  # find the document that breaks it: one task each
                results.extend(run_batches([[d] for d in batch], model_version, now, models_dir))
            else:
                results.append(InputError(batch[0].source_path, "process", f"{type(e).__name__}: {e}"))
    return results


@flow(name="ingest", flow_run_name="ingest {out}", log_prints=True)
def ingest_flow(sources: list[str], out: str, models_dir: str | None = None,
                batch_chars: int | None = None) -> dict[str, Any]:
    """Ingest files/folders into ``out``; records a run summary artifact.

    ``models_dir`` points at another classifier registry (default: the project's);
    ``batch_chars`` overrides ``POLICY_BATCH_CHARS``. An expected failure (``UserError``:
    an output path that is a file, foreign tables, a broken registry or model, a full disk)
    ends the run Failed with the error's one line as its state message, and nothing
    written; calling the flow then raises that error.
    """
    try:
        return _ingest(sources, out, models_dir, batch_chars)
    except UserError as e:
        print(f"error: {e}")
        # A returned state is the run's final state; calling the flow raises ``e``.
        return Failed(message=str(e), data=e)  # type: ignore[return-value]


def _ingest(sources: list[str], out: str, models_dir: str | None, batch_chars: int | None) -> dict[str, Any]:
    from flows.config import load_flow_settings

    out_dir = Path(out)
    models = Path(models_dir) if models_dir else None
    # The registry's current version, checked: the flow process never loads the model itself.
    version = require_current(models)
    check_output_folder(out_dir)
    check_stored(out_dir)
    made = not out_dir.exists()
    try:
        with lock(out_dir):
            p = plan([Path(s) for s in sources], out_dir, version)
            results: list[Rows | InputError] = []
            if p.todo:
                verify_registered(p.model_version, models)  # a tampered model stops the run before any task
                check_nlp_model()
                batches = make_batches(p.todo, _parallelism(), batch_chars or load_flow_settings().batch_chars)
                results = run_batches(batches, p.model_version, p.now, models_dir)
            summary = commit(p, results)
    except BaseException:
        remove_if_unused(out_dir, made)
        raise
    rows = [{"document": d, "status": "new", "reason": ""} for d in summary.new_ids]
    rows += [{"document": d, "status": "changed", "reason": ""} for d in summary.changed_ids]
    rows += [{"document": f.source_path, "status": "failed", "reason": f"[{f.stage}] {f.error}"} for f in summary.failures]
    create_table_artifact(
        key="ingest-summary",
        table=rows or [{"document": "-", "status": "unchanged", "reason": f"{summary.unchanged} unchanged"}],
        description=(f"new {summary.new}, changed {summary.changed}, unchanged {summary.unchanged}, "
                     f"failed {summary.failed} → {out}"),
    )
    print(summary.as_dict())
    return {**summary.as_dict(), "wrote": summary.wrote}


def task_runner(workers: int = 0, dask_address: str | None = None) -> Any:
    """A DaskTaskRunner for a local cluster of ``workers`` processes or an existing scheduler."""
    if not workers and not dask_address:
        return None
    from prefect_dask import DaskTaskRunner

    if dask_address:
        return DaskTaskRunner(address=dask_address)
    from flows.worker import QUIET_CONFIG

    # The workers' config travels with the cluster settings (a served flow runs in a fresh
    # subprocess, where a dask.config.set made here would not apply).
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                          "config": QUIET_CONFIG})


def check_dask_address(address: str, name: str = "--dask-address", timeout: float = 5.0) -> None:
    """``UserError`` naming the option (or variable) when ``address`` is not ``tcp://HOST:PORT``
    or no Dask scheduler accepts a connection there."""
    import socket
    from urllib.parse import urlsplit

    where = f"{name} {address}" if name.startswith("--") else f"{name}={address}"
    try:
        parts = urlsplit(address)
        scheme, host, port = parts.scheme, parts.hostname, parts.port
    except ValueError:
        scheme, host, port = "", None, None
    if scheme not in ("tcp", "tls") or not host or not port:
        raise UserError(where, "is not a Dask scheduler address; give tcp://HOST:PORT, as "
                               "`policy-clauses cluster` prints it")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as e:
        reason = "timed out" if isinstance(e, TimeoutError) else (e.strerror or str(e)).lower()
        raise UserError(where, f"no Dask scheduler answers there ({reason}); start one with "
                               f"`policy-clauses cluster --port {port}`, or leave {name} out to run the "
                               "tasks in this process") from e


def run_ingest(sources: list[str], out: str, workers: int = 0, dask_address: str | None = None) -> dict[str, Any]:
    """Run the flow with the chosen task runner (threads, local Dask cluster, or a scheduler)."""
    if dask_address:
        check_dask_address(dask_address)
    runner = task_runner(workers, dask_address)
    f = ingest_flow.with_options(task_runner=runner) if runner is not None else ingest_flow
    return f(sources=sources, out=out)
