"""Scanning the inputs: files and folders expanded into input files; a place that cannot
be read becomes an ``InputError`` row, and the run goes on."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline.text.read import SUPPORTED_SUFFIXES


@dataclass
class InputError:
    source_path: str
    stage: str
    error: str


def scan_inputs(sources: Iterable[Path]) -> tuple[list[Path], list[InputError]]:
    """Expand files and folders into input files; unreadable places become errors."""
    files: list[Path] = []
    errors: list[InputError] = []
    seen_dirs: set[tuple[int, int]] = set()

    def walk(d: Path) -> None:
        try:
            st = d.stat()
        except OSError as e:
            errors.append(InputError(str(d), "scan", _os_reason(e)))
            return
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            errors.append(InputError(str(d), "scan", "symbolic link loop: this folder was already scanned"))
            return
        seen_dirs.add(key)
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as e:
            errors.append(InputError(str(d), "scan", f"folder cannot be listed ({_os_reason(e)})"))
            return
        for entry in entries:
            p = Path(entry.path)
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError as e:
                errors.append(InputError(str(p), "scan", _os_reason(e)))
                continue
            if is_dir:
                walk(p)
            elif p.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(p)
            elif entry.is_symlink() and not p.exists():
                errors.append(InputError(str(p), "scan", "broken symbolic link"))

    for src in sources:
        src = Path(src)
        if src.is_dir():
            walk(src)
        elif src.exists():
            files.append(src)
        elif src.is_symlink():
            errors.append(InputError(str(src), "scan", "broken or looping symbolic link"))
        else:
            errors.append(InputError(str(src), "scan", "no such file or folder"))
    return files, errors


def _os_reason(e: OSError) -> str:
    if e.errno == 40:  # ELOOP
        return "symbolic link loop"
    if isinstance(e, PermissionError):
        return "permission denied"
    return e.strerror or str(e)
