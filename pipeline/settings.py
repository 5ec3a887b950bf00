"""One validated settings object for paths, limits and labels (env prefix ``POLICY_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LABELS: tuple[str, ...] = ("goal", "target", "measure", "safeguard", "other")


class Settings(BaseSettings):
    """Settings read from the environment (``POLICY_MODELS_DIR=…``) with safe defaults."""

    model_config = SettingsConfigDict(env_prefix="POLICY_", extra="ignore")

    models_dir: Path = Field(PROJECT_ROOT / "models", description="Where model artifacts live.")
    annotations_dir: Path = Field(
        PROJECT_ROOT / "annotations", description="Gold annotation files, one JSONL per document."
    )
    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", description="The bundled corpus.")
    max_chars: int = Field(
        3_000_000, description="Documents longer than this many characters are rejected."
    )
    max_bytes: int = Field(
        50_000_000, description="Input files larger than this many bytes are rejected unread."
    )

    @property
    def pkuseg_dir(self) -> Path:
        """The pkuseg 'mixed' model (features.pkl, weights.npz), provisioned at set-up."""
        return self.models_dir / "pkuseg-mixed"

    @property
    def tokenizer_dir(self) -> Path:
        """spaCy zh pipeline with the pkuseg segmenter initialised, saved with to_disk."""
        return self.models_dir / "zh-pkuseg"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings object."""
    return Settings()
