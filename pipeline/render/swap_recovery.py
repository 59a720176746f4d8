"""Recovery of output swaps: the journal, atomic exchanges, undoing a swap, removing stale folders.

Used by :mod:`pipeline.render.swap`. A swap is recorded in a journal
(``data/processed/verrous/<clé>.journal``: final folders, new folders, where
the previous ones go, and a token written into each new folder as
``.sortie-en-cours``) before its first rename. Whatever the moment a process
dies, the token tells which folder is new: :func:`recover` puts every previous
folder back and removes the new ones. Hidden temporary folders are named
``.<nom>.<pid>.<aléa>``: :func:`clean_stale` removes those whose process is
gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import re
import shutil
import stat
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filelock

from pipeline import config

#: ``.<nom>.<pid>.<aléa>``: a temporary or set-aside folder of the process ``pid``.
TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[a-z0-9_]{8}$")
#: What earlier versions left behind (``.<nom>.old``, ``.<nom>.<aléa>``): removed once older than this.
LEGACY = re.compile(r"^\.(?P<name>.+)\.(old|[a-z0-9_]{8})$")
LEGACY_AGE = 600.0
MARK = ".sortie-en-cours"


def locks_dir() -> Path:
    return config.processed_dir() / "verrous"


@dataclass(frozen=True)
class Swap:
    """One final folder, its new version (``new``) and where the previous one goes (``aside``)."""

    final: Path
    new: Path
    aside: Path

    def as_json(self) -> list[str]:
        return [str(self.final), str(self.new), str(self.aside)]


def write_journal(path: Path, token: str, swaps: list[Swap]) -> None:
    """Record the swap about to start, durably (written, synced, renamed into place)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump({"pid": os.getpid(), "token": token, "swaps": [s.as_json() for s in swaps]}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _sync_dir(path.parent)


def _sync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --------------------------------------------------------------------------- renames


def _libc_renameat2() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None


_RENAMEAT2 = _libc_renameat2()
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def exchange(a: Path, b: Path) -> bool:
    """Exchange two existing paths atomically; False when the system cannot (the caller renames instead)."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def put_in_place(swap: Swap) -> None:
    """Move ``swap.new`` to ``swap.final``; the previous folder, if any, ends at ``swap.new`` (exchanged)
    or, where the system cannot exchange, at ``swap.aside``."""
    if (swap.final.exists() or swap.final.is_symlink()) and not exchange(swap.new, swap.final):
        swap.final.rename(swap.aside)
        swap.new.rename(swap.final)
    elif not swap.final.exists():
        swap.new.rename(swap.final)


def marked(folder: Path, token: str) -> bool:
    try:
        return (folder / MARK).read_text(encoding="utf-8").strip() == token
    except OSError:
        return False


def undo(swap: Swap, token: str) -> None:
    """Put the previous folder back at ``swap.final``; the new one (marked ``token``) goes to a free name."""
    previous = next((p for p in (swap.new, swap.aside) if p.is_dir() and not marked(p, token)), None)
    if swap.final.exists() and marked(swap.final, token):
        if previous is None:
            swap.final.rename(swap.aside if swap.new.exists() else swap.new)
        elif not exchange(previous, swap.final):
            free = swap.new if previous == swap.aside else swap.aside
            swap.final.rename(free)
            previous.rename(swap.final)
    elif not swap.final.exists() and previous is not None:
        previous.rename(swap.final)


def remove_tree(folder: Path) -> bool:
    """Remove a folder, restoring write permission where it was taken away; False if it stays."""

    def allow(function: object, path: str, _exc: object) -> None:
        parent = os.path.dirname(path)
        with contextlib.suppress(OSError):
            os.chmod(parent, stat.S_IMODE(os.lstat(parent).st_mode) | stat.S_IRWXU)
            if os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, stat.S_IMODE(os.lstat(path).st_mode) | stat.S_IRWXU)
        with contextlib.suppress(OSError):
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, onerror=lambda *a: None)
            else:
                os.unlink(path)

    if not folder.exists() and not folder.is_symlink():
        return True
    if folder.is_symlink() or not folder.is_dir():
        # A file, a link or a special file left where outputs were: shutil.rmtree opens its path before
        # checking it is a directory, and the open of a FIFO waits for ever for a writer (a review: a batch hung).
        with contextlib.suppress(OSError):
            folder.unlink()
        return not folder.exists() and not folder.is_symlink()
    with contextlib.suppress(OSError):
        os.chmod(folder, stat.S_IMODE(os.lstat(folder).st_mode) | stat.S_IRWXU)
    shutil.rmtree(folder, onerror=allow)
    return not folder.exists()


# --------------------------------------------------------------------------- recovery and cleaning


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(own: str | None = None) -> None:
    """Undo the swaps of killed runs (their journals), when no live run holds their lock.

    ``own`` is the key whose lock the caller holds: its journal is recovered
    without locking again (a second lock of the same file by the same process
    would fail).
    """
    folder = locks_dir()
    if not folder.is_dir():
        return
    for journal in sorted(folder.glob("*.journal")):
        if journal.stem == own:
            _recover(journal)
            continue
        lock = filelock.FileLock(str(journal.with_suffix(".lock")), timeout=0)
        try:
            lock.acquire()
        except filelock.Timeout:
            continue  # a live run is swapping: its journal is not stale
        try:
            _recover(journal)
        finally:
            lock.release()


def _recover(journal: Path) -> None:
    try:
        record = json.loads(journal.read_text(encoding="utf-8"))
        token = str(record["token"])
        swaps = [Swap(*(Path(p) for p in item)) for item in record["swaps"]]
    except (OSError, ValueError, KeyError, TypeError):
        journal.unlink(missing_ok=True)  # unreadable: written half-way, before any swap began
        return
    try:
        for swap in reversed(swaps):
            undo(swap, token)
    except OSError:
        return  # the journal stays: the next run tries again, and nothing it names is cleaned meanwhile
    discard(swaps, journal, token)


def _journaled() -> set[str]:
    """Every path a remaining journal names (a swap not undone yet): never cleaned."""
    named: set[str] = set()
    for journal in locks_dir().glob("*.journal") if locks_dir().is_dir() else []:
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            for item in json.loads(journal.read_text(encoding="utf-8"))["swaps"]:
                named.update(str(p) for p in item)
    return named


def clean_stale(parents: set[Path]) -> None:
    """Remove the hidden temporary folders of runs that are gone, in ``parents``."""
    now = time.time()
    keep = _journaled()
    for parent in parents:
        try:
            entries = list(os.scandir(parent))
        except OSError:
            continue
        for entry in entries:
            if not entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False) or entry.path in keep:
                continue
            match = TEMPORARY.match(entry.name)
            if match is not None:
                if not _alive(int(match["pid"])):
                    remove_tree(Path(entry.path))
                continue
            legacy = LEGACY.match(entry.name)
            if legacy is not None and os.path.isdir(os.path.join(parent, legacy["name"])):
                with contextlib.suppress(OSError):
                    if now - entry.stat(follow_symlinks=False).st_mtime > LEGACY_AGE:
                        remove_tree(Path(entry.path))


def discard(swaps: list[Swap], journal: Path, token: str) -> None:
    """Remove the new folders of an undone swap (those marked ``token``), then its journal."""
    for swap in swaps:
        for leftover in (swap.new, swap.aside):
            if leftover.is_dir() and marked(leftover, token):
                remove_tree(leftover)
    journal.unlink(missing_ok=True)


