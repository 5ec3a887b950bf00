"""A standing Dask cluster for the ingest flow, its workers holding the models from the start.

``policy-clauses cluster --workers N`` runs a scheduler and N single-threaded worker
processes until it is stopped; ``policy-clauses ingest --dask-address ADDRESS`` (or
``POLICY_DASK_ADDRESS`` for the scheduled deployment) sends the flow's tasks to it. Each
worker loads the spaCy pipeline and the classifier when it starts (``dask_setup``, a Dask
preload), before it registers with the scheduler, so a run never waits for a model load:
with ``--workers N`` every run starts its own cluster and each worker spends ~6-10 s
loading models before its first task (see BENCHMARKS.md). A promotion is picked up by the
next task (``process_batch`` reloads when the registry's version changed).
"""

from __future__ import annotations

import sys
import time
from typing import Any

PRELOAD = "flows.worker"


def dask_setup(worker: Any = None) -> None:
    """Dask preload hook: load this process's Engine (pipeline + verified classifier)."""
    from flows.ingest import engine

    t = time.perf_counter()
    eng = engine(None)
    eng.nlp  # noqa: B018 - load now, not in the first task
    clf = eng.classifier
    print(f"policy-clauses worker {getattr(worker, 'name', '?')}: models loaded in "
          f"{time.perf_counter() - t:.1f} s (classifier {clf.version if clf else None})",
          file=sys.stderr, flush=True)


# Dask's defaults suit interactive work; these tasks are long and CPU-bound, one thread per
# worker. The statistical profiler samples every worker thread's stack every 10 ms, the
# event loops tick every 20 ms and the memory monitor polls every 100 ms: on 2 cores an
# idle 2-worker cluster used ~18% of a core (measured), taken from the workers in a run.
QUIET_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}


def check_port(host: str, port: int) -> None:
    """``UserError`` when the scheduler could not listen on ``host:port`` (in use, or not an
    address of this machine); port 0 takes any free port."""
    import socket

    from pipeline.errors import UserError

    if not port:
        return
    try:
        with socket.socket() as s:
            s.bind((host, port))
    except OSError as e:
        raise UserError(f"--host {host} --port {port}",
                        f"cannot listen there ({(e.strerror or str(e)).lower()}); another program (a running "
                        "cluster?) may use the port: stop it, or choose another port (0 for any free one)") from e


def start_cluster(workers: int, host: str = "127.0.0.1", port: int = 0) -> Any:
    """A LocalCluster of ``workers`` single-threaded processes with the models preloaded."""
    import dask
    from distributed import LocalCluster

    check_port(host, port)
    dask.config.set(QUIET_CONFIG)  # this process: the scheduler and the nannies
    # The scheduler (in this process) unpickles each run's tasks, which name Prefect's and
    # the flow's functions: import them now, not during the first run (~2 s of CPU).
    import flows.ingest  # noqa: F401
    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host=host,
                        scheduler_port=port, dashboard_address=None, preload=[PRELOAD],
                        config=QUIET_CONFIG)
