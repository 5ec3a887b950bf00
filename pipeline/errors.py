"""Expected failures, said in one line, and stopping a run cleanly on SIGINT/SIGTERM.

A ``UserError`` is a failure the user can fix: a bad argument, a broken environment, a
full disk. It names where (a path, an option or a variable) and what is wrong and what to
do; the command line prints ``error: <where>: <what>`` and exits 2, and a flow run fails
with the same line as its state message. Any other exception is a bug and keeps its
traceback.
"""

from __future__ import annotations

import errno
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class UserError(Exception):
    """An expected failure: ``where`` (path, option or variable) and ``what`` (what is wrong,
    what to do). ``UserError(message)`` alone takes a message that already names its place."""

    def __init__(self, where: object, what: str | None = None) -> None:
        self.where = str(where) if what is not None else ""
        self.what = what if what is not None else str(where)
        super().__init__(f"{self.where}: {self.what}" if self.where else self.what)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled across processes (a Dask worker's task): keep where and what apart.
        return (type(self), (self.where, self.what) if self.where else (self.what,))


def os_failure(where: object, e: OSError, doing: str = "cannot write here") -> UserError:
    """A ``UserError`` for an OSError met while writing ``where`` (full disk, no permission)."""
    reason = e.strerror or str(e)
    if e.errno == errno.ENOSPC or e.errno == errno.EDQUOT:
        advice = "free some space or choose another folder, then run again"
    elif e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        advice = "choose a folder you can write to, or fix its permissions"
    elif e.errno == errno.ENOTDIR:
        reason, advice = "a part of this path is a file, not a folder", "choose another path"
    else:
        advice = "fix that and run again"
    return UserError(where, f"{doing} ({reason}); {advice}")


def check_output_folder(path: Path, option: str = "--out") -> None:
    """Refuse an output folder that is a file (or under one) before anything is written."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise UserError(p, f"is a file, not a folder; give {option} a folder (it is created if missing)")
    for parent in p.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UserError(p, f"{parent} is a file, not a folder; give {option} a path inside a folder")
            break


def remove_if_unused(path: Path, made: bool, leftovers: tuple[str, ...] = (".ingest.lock",)) -> None:
    """Remove a folder this run ``made`` when it holds nothing but ``leftovers`` (a run that
    failed before writing leaves no half-made output folder)."""
    p = Path(path)
    if not made or not p.is_dir():
        return
    try:
        if any(e.name not in leftovers for e in p.iterdir()):
            return
        for name in leftovers:
            (p / name).unlink(missing_ok=True)
        p.rmdir()
    except OSError:
        pass


# --- signals -----------------------------------------------------------------------------

SIGNAL_NAMES: dict[int, str] = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM stopped a run (a KeyboardInterrupt, so everything treats it as Ctrl-C).
    ``written`` is True when the signal came while the tables were being written: the
    writing finished first, so the tables are this run's."""

    def __init__(self, signum: int, written: bool = False) -> None:
        super().__init__(SIGNAL_NAMES.get(signum, f"signal {signum}"))
        self.signum = signum
        self.written = written

    @property
    def name(self) -> str:
        return SIGNAL_NAMES.get(self.signum, f"signal {self.signum}")

    @property
    def exit_code(self) -> int:
        """128 + the signal number, as a shell reports a process the signal stopped."""
        return 128 + int(self.signum)


_deferring = 0
_received: list[int] = []


def _on_signal(signum: int, frame: Any) -> None:
    _received.append(signum)
    if not _deferring:  # else raised when the tables are written (deferred_signals)
        raise Interrupted(signum)


def check_signals() -> None:
    """Raise ``Interrupted`` for a signal received under ``stop_on_signals`` whose exception
    was lost: raised inside a callback whose exceptions Python ignores (an import lock's
    weakref callback, a ``__del__``), it would otherwise not stop the run."""
    if _received:
        raise Interrupted(_received[0])


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Inside: SIGINT and SIGTERM raise ``Interrupted`` (SIGTERM would otherwise end the
    process on the spot), so ``with`` blocks release locks and remove temporary files.
    Only the main thread can take signals; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in SIGNAL_NAMES}
    previous_hook = sys.unraisablehook

    def unraisable(args: Any) -> None:
        if not isinstance(args.exc_value, Interrupted):  # a lost Interrupted: check_signals raises it
            previous_hook(args)

    _received.clear()
    sys.unraisablehook = unraisable
    for s in SIGNAL_NAMES:
        signal.signal(s, _on_signal)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        sys.unraisablehook = previous_hook
        _received.clear()


@contextmanager
def deferred_signals() -> Iterator[None]:
    """Inside: a SIGINT/SIGTERM (under ``stop_on_signals``) waits until the block is done, so
    a set of table writes is never cut in half; it is raised as ``Interrupted(written=True)``
    after a block that succeeded. A signal received before the block stops it at the start."""
    global _deferring
    check_signals()
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
    if not _deferring and _received:
        raise Interrupted(_received[0], written=True)
