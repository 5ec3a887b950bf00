"""Every deployment and its schedule, in one place; `policy-clauses serve` serves them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flows.config import FlowSettings
from flows.ingest import ingest_flow
from flows.retrain import retrain_flow


def deployments(settings: FlowSettings | None = None) -> list[Any]:
    s = settings or FlowSettings()
    s.inbox.mkdir(parents=True, exist_ok=True)
    ingest = ingest_flow.to_deployment(
        name="ingest-inbox",
        interval=timedelta(minutes=s.ingest_interval_minutes),
        parameters={"sources": [str(s.inbox)], "out": str(s.out)},
        description="Scan the inbox and ingest new or changed documents.",
    )
    retrain = retrain_flow.to_deployment(
        name="retrain-nightly",
        cron=s.retrain_cron,
        parameters={"relabel_sources": [str(s.inbox)], "out": str(s.out)},
        description="Retrain when annotations changed; promote only if not worse.",
    )
    return [ingest, retrain]


def serve(settings: FlowSettings | None = None) -> None:
    """Serve the deployments against the Prefect API in the environment (PREFECT_API_URL)."""
    from prefect import serve as prefect_serve

    prefect_serve(*deployments(settings))
