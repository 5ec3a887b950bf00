"""The project's spaCy pipeline: the zh pkuseg tokenizer (on a t2s copy) + the target recognizer.

``load_nlp()`` returns it (cached per process): from ``models/policy-nlp`` when that was
built, else assembled from the provisioned tokenizer at ``models/zh-pkuseg``.
``python -m pipeline.targets.nlp [OUT_DIR]`` builds and saves it (``spacy.load(OUT_DIR)`` works
after ``import pipeline.targets``, which registers the factories).
"""

from __future__ import annotations

import sys
import threading
import warnings
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language

from pipeline.provision import DAMAGED_HELP, MISSING_HELP, ModelMissingError, save_pipeline
from pipeline.settings import get_settings
from pipeline.targets import Rules, get_recognizer  # registers the tokenizer and component

PIPELINE_NAME = "policy-nlp"
TARGETS_PIPE = "policy_targets"


def default_out_dir() -> Path:
    """Where the built pipeline is saved: ``models/policy-nlp``."""
    return get_settings().models_dir / PIPELINE_NAME


def assemble(tokenizer_dir: Path | None = None) -> Language:
    """A fresh pipeline: the t2s pkuseg tokenizer loaded from ``tokenizer_dir`` + targets."""
    tokenizer_dir = tokenizer_dir or get_settings().tokenizer_dir
    tok_data = tokenizer_dir / "tokenizer"
    if not (tok_data / "pkuseg_model").exists():
        raise ModelMissingError(tokenizer_dir, MISSING_HELP)
    nlp = spacy.blank(
        "zh",
        config={"nlp": {"tokenizer": {"@tokenizers": "policy_zh_t2s.v1", "segmenter": "pkuseg"}}},
    )
    try:
        nlp.tokenizer.from_disk(tok_data)  # type: ignore[union-attr]
    except Exception as exc:  # noqa: BLE001 - a truncated file fails in numpy, zipfile or msgpack
        raise ModelMissingError(tokenizer_dir, DAMAGED_HELP.format(reason=_reason(exc))) from exc
    nlp.add_pipe("policy_targets_v1", name=TARGETS_PIPE)
    nlp.meta["name"] = PIPELINE_NAME.replace("-", "_")
    nlp.meta["description"] = "pkuseg tokenizer on a t2s copy + rule-based numeric targets (guide §3)"
    return nlp


def build_pipeline(out_dir: Path | str | None = None) -> Path:
    """Assemble the pipeline and save it with ``nlp.to_disk``; returns the directory."""
    out = Path(out_dir) if out_dir else default_out_dir()
    save_pipeline(assemble(), out)
    return out


def _reason(exc: BaseException) -> str:
    """A short reason for a failed load: the exception's type and first line."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first[:200]}" if first else type(exc).__name__


_LOAD_LOCK = threading.Lock()


def load_nlp() -> Language:
    """The project pipeline, loaded once per process (thread-safe: tasks on a thread
    runner that start together share one copy)."""
    with _LOAD_LOCK:
        return _load_nlp()


@lru_cache(maxsize=1)
def _load_nlp() -> Language:
    """Load the pipeline.

    Loads ``models/policy-nlp`` when it was built; if its saved rules differ from
    ``pipeline/patterns`` (rules edited since the build) the current rules are used, with
    a warning, so an old build never hides a rule change.
    """
    built = default_out_dir()
    if not (built / "config.cfg").exists():
        return assemble()
    try:
        nlp = spacy.load(built)
    except Exception as exc:  # a build from older code: rebuild it, meanwhile assemble afresh
        try:
            fresh = assemble()
        except ModelMissingError as missing:
            # Neither the build nor the provisioned tokenizer loads: say so about the build.
            raise ModelMissingError(built, DAMAGED_HELP.format(reason=_reason(exc))
                                    + f"; the provisioned tokenizer cannot stand in ({missing})") from exc
        warnings.warn(f"cannot load {built} ({exc!r}); assembling the pipeline from "
                      "pipeline/patterns (rebuild with `python -m pipeline.targets.nlp`)", stacklevel=2)
        return fresh
    rec = get_recognizer(nlp)
    current = Rules.load()
    if rec.rules != current:
        warnings.warn(f"{built} was built with other rules than pipeline/patterns; using the "
                      "current rules (rebuild with `python -m pipeline.targets.nlp`)", stacklevel=2)
        rec.set_rules(current)
    return nlp


def main(argv: list[str]) -> int:
    out = build_pipeline(argv[0] if argv else None)
    print(f"built {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
