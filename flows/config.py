"""Settings of the flows and deployments, validated in one place (env prefix ``POLICY_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.settings import PROJECT_ROOT


class FlowSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICY_", extra="ignore")

    inbox: Path = Field(PROJECT_ROOT / "data" / "inbox", description="Folder the scheduled ingest scans.")
    out: Path = Field(PROJECT_ROOT / "data" / "out", description="Output folder of the tables.")
    ingest_interval_minutes: float = Field(15, description="Minutes between scheduled ingest runs.")
    retrain_cron: str = Field("0 2 * * *", description="Cron schedule of the nightly retraining check.")
    workers: int = Field(0, description="Local Dask worker processes for the ingest tasks; 0 = in-process threads.")
    dask_address: str | None = Field(None, description="Address of an existing Dask scheduler (tcp://host:8786).")
    batch_chars: int = Field(150_000, gt=0, description=(
        "Characters of text per ingest task, about: documents go to near-equal batches, as many "
        "as needed to stay near this size, rounded up to a multiple of the workers."))
