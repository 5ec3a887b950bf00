"""Provision the pkuseg model offline, from the pkuseg sdist on PyPI, verified by hash.

``python -m pipeline.provision SDIST`` checks the sdist's sha256, extracts the 'mixed'
model, checks the model files' hashes, and saves a spaCy zh pipeline with the pkuseg
segmenter to ``models/zh-pkuseg``. The Makefile downloads the sdist with pip
(``--require-hashes``); nothing is fetched at run time.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from pipeline.errors import UserError
from pipeline.settings import get_settings

PKUSEG_SDIST = "pkuseg-0.0.25.tar.gz"
PKUSEG_SDIST_SHA256 = "dd012bf93689721c9574bc2b2ba98fb4ac22790cec0af354a78e217828b81e91"
MODEL_MEMBER = "pkuseg-0.0.25/pkuseg/models/default/"
MODEL_FILES = {
    "features.pkl": "265dcf5534a11d6429776f7e7450a9eef8e075b1a4bedb82ef996994d9c721ac",
    "weights.npz": "95d1632a1fed45993b5006d8ba85939cb110fae71313987673582d24669811dd",
}
MISSING_HELP = (
    "the pkuseg model is not provisioned here; run `make models` (or `make run` / "
    "`make test`, which do it) to download pkuseg==0.0.25 from PyPI, verify its hash and "
    "build the tokenizer pipeline"
)
DAMAGED_HELP = (
    "cannot be loaded ({reason}): a model file is truncated or damaged; remove this "
    "folder and run `make models` to provision it again"
)


REGISTRY_NAME = "clause-classifier"
NLP_PIPELINE = "policy-nlp"  # pipeline.targets.nlp.PIPELINE_NAME: the built pipeline's folder


class ModelIntegrityError(UserError, RuntimeError):
    """A model file does not match the sha256 recorded for it, or is gone; it is not loaded."""


class RegistryError(UserError, ValueError):
    """``registry.json`` is missing, not JSON, or names no usable current model."""


REPAIR_HELP = ("restore it from git (`git checkout -- models/clause-classifier/registry.json`) or a "
               "backup; it lists the trained model versions, so fix it rather than delete it")
RESTORE_HELP = ("restore it from git (`git checkout -- models/clause-classifier`) or a backup, or "
                "register a new model with `policy-clauses train --make-current`")


# The classifier registry is read here, free of scikit-learn, so the flow process can learn
# and verify the current version without importing the classifier code (~2 s).
def registry_dir(models_dir: Path | None = None) -> Path:
    """The classifier registry: ``<models_dir>/clause-classifier``."""
    return (models_dir or get_settings().models_dir) / REGISTRY_NAME


def read_registry(root: Path) -> dict[str, Any]:
    """``root/registry.json`` ({"current": version or None, "versions": {...}})."""
    import json

    path = root / "registry.json"
    if not path.exists():
        return {"current": None, "versions": {}}
    try:
        reg = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise RegistryError(path, f"is not valid JSON ({e.msg} at line {e.lineno} column {e.colno}); "
                                  f"{REPAIR_HELP}") from e
    except (OSError, UnicodeDecodeError) as e:
        raise RegistryError(path, f"cannot be read ({e}); {REPAIR_HELP}") from e
    if not isinstance(reg, dict) or not isinstance(reg.get("versions"), dict):
        raise RegistryError(path, f'is not a model registry (no "versions" object); {REPAIR_HELP}')
    return reg


def require_current(models_dir: Path | None = None) -> str:
    """The current classifier version after checking that ``registry.json`` exists, names a
    current version and that version's model file matches its sha256; ``RegistryError`` or
    ``ModelIntegrityError`` saying what to do otherwise."""
    root = registry_dir(models_dir)
    path = root / "registry.json"
    if not path.is_file():
        raise RegistryError(path, f"missing, so no classifier can label the clauses; {RESTORE_HELP}")
    version = read_registry(root).get("current")
    if not version:
        raise RegistryError(path, f"names no current model version; {RESTORE_HELP}")
    verify_registered_model(root, version)
    return str(version)


def current_version(models_dir: Path | None = None) -> str | None:
    """The registry's current classifier version, None when none was registered."""
    return read_registry(registry_dir(models_dir)).get("current")


def verify_registered_model(root: Path, version: str) -> Path:
    """The path of ``root/<version>/model.joblib`` after checking it against the sha256 that
    ``root/registry.json`` records for it (without loading it: joblib files run code)."""
    entry = read_registry(root)["versions"].get(version)
    if not isinstance(entry, dict) or "sha256" not in entry:
        raise ModelIntegrityError(root / "registry.json",
                                  f"model version {version!r} is not listed (with its sha256) here; {RESTORE_HELP}")
    path = root / version / "model.joblib"
    if not path.is_file():
        where = path if (root / version).is_dir() else root / version
        raise ModelIntegrityError(where, f"the registry's model version {version!r} is gone (no model.joblib); "
                                         "restore the folder from git or a backup, or register a new model "
                                         "with `policy-clauses train --make-current`")
    got = sha256_file(path)
    if got != entry["sha256"]:
        raise ModelIntegrityError(
            path, f"sha256 {got} does not match the registry's {entry['sha256']}; "
            "refusing to load it (joblib files run code when loaded); restore the file from git "
            "or a backup, or retrain with `policy-clauses train --make-current`"
        )
    return path


class ModelMissingError(UserError, RuntimeError):
    """A provisioned model is missing or damaged; the message says how to provision it."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def extract_pkuseg(sdist: Path, dest: Path) -> None:
    """Extract and verify the 'mixed' pkuseg model from the sdist into ``dest``."""
    got = sha256_file(sdist)
    if got != PKUSEG_SDIST_SHA256:
        raise SystemExit(f"{sdist}: sha256 {got} != expected {PKUSEG_SDIST_SHA256}; refusing it")
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".pkuseg-"))
    try:
        with tarfile.open(sdist) as tf:
            for name in MODEL_FILES:
                member = tf.getmember(MODEL_MEMBER + name)
                with tf.extractfile(member) as src, open(tmp / name, "wb") as out:  # type: ignore[union-attr]
                    shutil.copyfileobj(src, out)
        for name, want in MODEL_FILES.items():
            if sha256_file(tmp / name) != want:
                raise SystemExit(f"{sdist}: {name} does not match its recorded sha256")
        if dest.exists():
            shutil.rmtree(dest)
        tmp.rename(dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def check_pkuseg(path: Path | None = None) -> Path:
    """Return the pkuseg model directory, or raise ModelMissingError saying how to fix it."""
    path = path or get_settings().pkuseg_dir
    if not all((path / n).is_file() for n in MODEL_FILES):
        raise ModelMissingError(path, MISSING_HELP)
    return path


def check_nlp_model() -> Path:
    """The folder ``pipeline.targets.nlp.load_nlp`` will load (the built ``policy-nlp`` pipeline, else
    the provisioned tokenizer) without loading it or importing spaCy; ``ModelMissingError``
    saying how to provision it when neither is there."""
    s = get_settings()
    if (s.models_dir / NLP_PIPELINE / "config.cfg").is_file():
        return s.models_dir / NLP_PIPELINE
    if not (s.tokenizer_dir / "tokenizer" / "pkuseg_model").is_dir():
        raise ModelMissingError(s.tokenizer_dir, MISSING_HELP)
    return s.tokenizer_dir


def build_tokenizer_pipeline(pkuseg_dir: Path, out: Path) -> None:
    """Save a blank zh pipeline whose tokenizer uses the given pkuseg model."""
    import spacy

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "pkuseg"}}})
    nlp.tokenizer.initialize(pkuseg_model=str(pkuseg_dir))  # type: ignore[union-attr]
    save_pipeline(nlp, out)


def save_pipeline(nlp: Any, out: Path) -> None:
    """``nlp.to_disk`` into a sibling temp folder, then swap it in: no half-written model."""
    tmp = out.with_name(out.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    nlp.to_disk(tmp)
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)


def main(argv: list[str]) -> int:
    settings = get_settings()
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    if len(argv) != 1:
        print("usage: python -m pipeline.provision PATH/pkuseg-0.0.25.tar.gz", file=sys.stderr)
        return 2
    extract_pkuseg(Path(argv[0]), settings.pkuseg_dir)
    build_tokenizer_pipeline(settings.pkuseg_dir, settings.tokenizer_dir)
    print(f"provisioned {settings.pkuseg_dir} and {settings.tokenizer_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
