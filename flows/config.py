"""Settings of the flows and deployments, validated in one place (env prefix ``POLICY_``)."""

from __future__ import annotations

import os
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


def load_flow_settings() -> FlowSettings:
    """The settings from the environment; ``UserError`` naming the variable when one is invalid."""
    from pydantic import ValidationError

    from pipeline.errors import UserError

    try:
        return FlowSettings()
    except ValidationError as e:
        err = e.errors()[0]
        name = "POLICY_" + "_".join(str(x) for x in err["loc"]).upper()
        value = err.get("input")
        raise UserError(f"{name}={value}" if isinstance(value, str | int | float) else name,
                        f"{err['msg']}; set it to a valid value or unset it for the default") from e


def check_prefect_api(timeout: float = 5.0) -> str | None:
    """The Prefect API the flows will report to, checked: ``UserError`` naming PREFECT_API_URL
    when it is set and no server answers there; None when unset (a temporary server starts)."""
    import urllib.error
    import urllib.request

    from prefect.settings import PREFECT_API_URL

    from pipeline.errors import UserError

    # The variable first: under a test harness, Prefect's settings context names its own server.
    url = os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value()
    if not url:
        return None
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/health", timeout=timeout) as r:  # noqa: S310 - the user's own API URL
            if r.status == 200:
                return str(url)
            reason = f"HTTP {r.status} from /health"
    except urllib.error.HTTPError as e:
        reason = f"HTTP {e.code} from /health"
    except (OSError, ValueError) as e:
        cause = getattr(e, "reason", None) or e
        reason = (cause.strerror if isinstance(cause, OSError) and cause.strerror else str(cause)).lower()
    raise UserError(f"PREFECT_API_URL={url}",
                    f"no Prefect server answers there ({reason}); start it (`prefect server start`), "
                    "point PREFECT_API_URL at the running one, or unset it to let each command start "
                    "a temporary server")
