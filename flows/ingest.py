"""The ingest flow: scan, skip what is unchanged, one task per document, atomic writes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow, task, unmapped
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE

from pipeline.ingest import Engine, InputError, Rows, commit, lock, plan, process_one
from pipeline.read import Document

_ENGINES: dict[str | None, Engine] = {}


def engine(models_dir: str | None = None) -> Engine:
    """One Engine (spaCy pipeline, classifier) per process: Dask workers load it once."""
    if models_dir not in _ENGINES:
        _ENGINES[models_dir] = Engine(models_dir=Path(models_dir) if models_dir else None)
    return _ENGINES[models_dir]


def reset_engine() -> None:
    """Forget the loaded Engine (after a model promotion) so the next task loads the new one."""
    _ENGINES.clear()


@task(retries=2, retry_delay_seconds=2, cache_policy=NONE, task_run_name="process {doc.doc_id}")
def process_document(doc: Document, model_version: str | None, now: datetime,
                     models_dir: str | None = None) -> Rows | InputError:
    return process_one(engine(models_dir), doc, model_version, now)


def task_runner(workers: int = 0, dask_address: str | None = None) -> Any:
    """A DaskTaskRunner for a local cluster of ``workers`` processes or an existing scheduler."""
    if not workers and not dask_address:
        return None
    from prefect_dask import DaskTaskRunner

    if dask_address:
        return DaskTaskRunner(address=dask_address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True})


@flow(name="ingest", flow_run_name="ingest {out}", log_prints=True)
def ingest_flow(sources: list[str], out: str, models_dir: str | None = None) -> dict[str, Any]:
    """Ingest files/folders into ``out``; records a run summary artifact.

    ``models_dir`` points at another classifier registry (default: the project's).
    """
    out_dir = Path(out)
    with lock(out_dir):
        p = plan([Path(s) for s in sources], out_dir, engine(models_dir).model_version)
        futures = process_document.map(p.todo, unmapped(p.model_version), unmapped(p.now), unmapped(models_dir))
        results = [f.result() for f in futures]
        summary = commit(p, results)
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


def run_ingest(sources: list[str], out: str, workers: int = 0, dask_address: str | None = None) -> dict[str, Any]:
    """Run the flow with the chosen task runner (threads, local Dask cluster, or a scheduler)."""
    runner = task_runner(workers, dask_address)
    f = ingest_flow.with_options(task_runner=runner) if runner is not None else ingest_flow
    return f(sources=sources, out=out)
