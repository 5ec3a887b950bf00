"""Every deployment and its schedule, in one place; `policy-clauses serve` serves them."""

from __future__ import annotations

import shutil
from datetime import timedelta
from typing import Any

from flows.config import FlowSettings, load_flow_settings
from flows.ingest import ingest_flow, task_runner
from flows.retrain import retrain_flow
from pipeline.errors import check_output_folder, os_failure


def scheduled_ingest_flow(settings: FlowSettings | None = None) -> Any:
    """The ingest flow with the task runner the settings ask for: a standing Dask cluster
    (``POLICY_DASK_ADDRESS``, see ``policy-clauses cluster``), a local cluster per run
    (``POLICY_WORKERS``), else threads."""
    s = settings or load_flow_settings()
    runner = task_runner(s.workers, s.dask_address)
    return ingest_flow.with_options(task_runner=runner) if runner is not None else ingest_flow


def specs(settings: FlowSettings | None = None) -> list[tuple[Any, dict[str, Any]]]:
    """(flow, deployment options) of every deployment."""
    s = settings or load_flow_settings()
    check_output_folder(s.inbox, "POLICY_INBOX")
    try:
        s.inbox.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise os_failure(s.inbox, e, "cannot create the inbox folder (POLICY_INBOX)") from e
    return [
        (scheduled_ingest_flow(s), {
            "name": "ingest-inbox",
            "interval": timedelta(minutes=s.ingest_interval_minutes),
            "parameters": {"sources": [str(s.inbox)], "out": str(s.out)},
            "description": "Scan the inbox and ingest new or changed documents.",
        }),
        (retrain_flow, {
            "name": "retrain-nightly",
            "cron": s.retrain_cron,
            "parameters": {"relabel_sources": [str(s.inbox)], "out": str(s.out)},
            "description": "Retrain when annotations changed; promote only if not worse.",
        }),
    ]


def deployments(settings: FlowSettings | None = None) -> list[Any]:
    """The deployments as Prefect RunnerDeployments (for inspection)."""
    return [f.to_deployment(**opts) for f, opts in specs(settings)]


def serve(settings: FlowSettings | None = None) -> None:
    """Serve the deployments against the Prefect API in the environment (PREFECT_API_URL).

    The runner is given the flow objects (``Runner.add_flow``), so each run uses the
    flow as configured here, task runner included; ``prefect.serve(*deployments)``
    would load ``ingest_flow`` from its entrypoint and drop the task runner setting.

    What would make every scheduled run fail is refused before serving, with ``UserError``:
    an invalid POLICY_* setting, PREFECT_API_URL with no server, an unreachable
    POLICY_DASK_ADDRESS, a POLICY_OUT that is a file. A run that meets a fault later fails
    with the error as its state message, and the next scheduled run goes ahead.
    """
    import asyncio

    from prefect.exceptions import TerminationSignal
    from prefect.runner import Runner

    from flows.config import check_prefect_api
    from flows.ingest import check_dask_address

    s = settings or load_flow_settings()
    check_prefect_api()
    if s.dask_address:
        check_dask_address(s.dask_address, "POLICY_DASK_ADDRESS")
    check_output_folder(s.out, "POLICY_OUT")
    runner = Runner(pause_on_shutdown=True)
    for f, opts in specs(s):
        runner.add_flow(f, **opts)
    try:
        asyncio.run(runner.start())
    except (KeyboardInterrupt, TerminationSignal):
        pass
    finally:
        # The runner removes its storage directory (TMPDIR/runner_storage/<uuid>) only when
        # its context exits normally; on SIGTERM it stayed behind, one per serve.
        shutil.rmtree(runner._tmp_dir, ignore_errors=True)
