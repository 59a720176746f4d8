"""Replace output folders together, whole, under a lock: the mechanics behind every output of the tool.

A run writes its outputs into hidden temporary folders next to the final ones
(``.<nom>.<pid>.<aléa>``), then swaps them in. The guarantees:

* **One run at a time per set of folders.** A lock per set of final folders
  (``data/processed/verrous/<nom>-<empreinte>.lock``) is held from the
  creation of the temporary folders to the end of the swap: a second run of
  the same territory waits for the first to finish writing (at most
  ``CPTS_OUTPUTS_WAIT`` seconds, 600 by default, then exit code 3), so that
  one run's tables never sit beside another run's report.
* **Whole folders.** Each final folder is exchanged with its new version in
  one system call (``renameat2(RENAME_EXCHANGE)`` on Linux; two renames
  elsewhere): a reader sees the previous folder or the new one, never none.
* **Interrupted swaps are undone.** SIGINT, SIGTERM and SIGHUP are held
  during the swap (a few renames); if one arrived, the swapped folders are
  put back before it takes effect: previous outputs in place, exit
  130/143. A process killed outright (SIGKILL, power loss) between two
  exchanges leaves a journal (``verrous/<…>.journal``); the next run that
  writes outputs (any territory) puts the previous folders back first.
* **Nothing stale stays.** Temporary folders of killed runs (their process
  is gone) are removed at the next run; a previous folder that was made
  read-only is swapped out all the same when its parent is writable (its
  permissions are restored to remove it), and a folder that cannot be
  removed is left aside, never blocking a later run.

``CPTS_SWAP_PAUSE`` (tests only) names a file the run creates between the two
exchanges, then waits until it is deleted: a test can kill the process at
the worst moment.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import math
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

from pipeline import config
from pipeline.errors import PipelineError, french_os_error
from pipeline.render.held_signals import HeldSignals
from pipeline.render.swap_recovery import (
    MARK,
    Swap,
    clean_stale,
    discard,
    locks_dir,
    put_in_place,
    recover,
    remove_tree,
    undo,
    write_journal,
)

DEFAULT_WAIT = 600.0


class OutputsBusyError(PipelineError):
    """Another run writes the same outputs and did not finish in time."""

    exit_code = 3


# --------------------------------------------------------------------------- locks and journals


def _key(finals: tuple[Path, ...]) -> str:
    """Name of the lock and journal of a set of final folders: readable, and distinct per set."""
    digest = hashlib.sha1("\n".join(str(f.resolve()) for f in finals).encode()).hexdigest()[:10]
    return f"{finals[-1].name[:80]}-{digest}"


def _wait_seconds() -> float:
    """``CPTS_OUTPUTS_WAIT``: seconds, a finite number ≥ 0; any other value is refused by name (a review: « abc »
    waited the default 600 s, « nan » and « -5 » none, without a word)."""
    text = os.environ.get(config.OUTPUTS_WAIT_ENV, "").strip()
    if not text:
        return DEFAULT_WAIT
    try:
        seconds = float(text.replace(",", "."))
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise PipelineError(f"Variable {config.OUTPUTS_WAIT_ENV} invalide « {text} » : un nombre de secondes "
                            f"positif ou nul est attendu (par défaut {DEFAULT_WAIT:.0f})")
    return seconds


@contextmanager
def _lock(key: str, finals: tuple[Path, ...]) -> Iterator[None]:
    """Hold the lock of ``key``; wait for another run holding it, up to ``CPTS_OUTPUTS_WAIT`` seconds."""
    wait = _wait_seconds()  # a bad setting is refused on every run, not only when another one writes
    folder = locks_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PipelineError(f"Impossible de créer le dossier des verrous ({french_os_error(exc)})", folder) from exc
    path = folder / f"{key}.lock"
    lock = filelock.FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        holder = _holder(path)
        print(f"  attente : un autre processus ({holder}) écrit les sorties de ce territoire ; elles seront "
              "remplacées ensuite", flush=True)
        try:
            lock.acquire(timeout=wait)
        except filelock.Timeout as exc:
            raise OutputsBusyError(
                f"Les sorties de ce territoire sont en cours d'écriture par un autre processus ({holder}) depuis "
                f"plus de {wait:.0f} s ; relancez quand il aura terminé (les sorties précédentes sont conservées)",
                finals[-1]) from exc
    try:
        with contextlib.suppress(OSError):
            path.write_text(str(os.getpid()), encoding="utf-8")
        yield
    finally:
        lock.release()


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "inconnu"
    except OSError:
        return "inconnu"


# --------------------------------------------------------------------------- signals held during the swap


def _pause_for_tests(held: HeldSignals) -> None:
    """``CPTS_SWAP_PAUSE``: announce the middle of the swap, then wait (tests kill the process here)."""
    marker = os.environ.get(config.SWAP_PAUSE_ENV)
    if not marker:
        return
    Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    deadline = time.monotonic() + 60
    while Path(marker).exists() and not held.received and time.monotonic() < deadline:
        time.sleep(0.05)


# --------------------------------------------------------------------------- system causes of opaque errors


def _system_cause(exc: BaseException, news: list[Path], finals: tuple[Path, ...]) -> OSError | None:
    """The system error behind a failure of the writing block, with the final path it concerns.

    An :class:`OSError` is renamed to the final file (not the temporary
    folder's). A library that reports a failed write without its cause
    (GDAL's « Failed to commit transaction ») is explained when the file
    size limit was reached by a file of the run, or the disk is full.
    """

    def final_path(path: Path) -> str:
        for new, final in zip(news, finals, strict=False):
            with contextlib.suppress(ValueError):
                return str(final / path.relative_to(new))
        return str(path)

    if isinstance(exc, PipelineError | KeyboardInterrupt | SystemExit):
        return None
    def full_disk() -> str | None:
        for new, final in zip(news, finals, strict=False):
            with contextlib.suppress(OSError):
                disk = os.statvfs(new)
                if disk.f_bavail * disk.f_frsize < (1 << 20):
                    return str(final)
        return None

    if isinstance(exc, OSError):
        if exc.filename:
            name = final_path(Path(exc.filename))
        else:  # a writer that does not say which file (a full disk): the folder whose disk is full
            name = (full_disk() if exc.errno in (errno.ENOSPC, errno.EDQUOT) else None) or str(finals[0])
        return OSError(exc.errno, exc.strerror, name)
    if not isinstance(exc, Exception):
        return None
    if "IO_EFBIG" in str(exc) or "File too large" in str(exc):
        # lxml (through openpyxl) reports the limit as its own error, writing a temporary file outside the
        # output folders: the outputs are named by their folder.
        return OSError(errno.EFBIG, os.strerror(errno.EFBIG), str(finals[0]))
    try:
        import resource  # Unix only
    except ImportError:
        limit = -1
    else:
        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if limit >= 0 and limit != getattr(resource, "RLIM_INFINITY", -1):
        margin = min(limit // 2, 1 << 20)
        for new in news:
            for path in new.rglob("*"):
                with contextlib.suppress(OSError):
                    if path.is_file() and path.stat().st_size >= limit - margin:
                        return OSError(errno.EFBIG, os.strerror(errno.EFBIG), final_path(path))
    full = full_disk()
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), full) if full else None


# --------------------------------------------------------------------------- the swap


def check_writable(folder: Path, label: str = "Dossier de sortie",
                   kept: str = "les sorties précédentes sont conservées") -> None:
    """Fail in French, before anything is written, when ``folder`` cannot receive outputs.

    ``folder`` may not exist yet: its nearest existing ancestor must then be a
    writable directory (it will be created). A path component that is a file,
    or a directory without write and search permission (``os.access``, which
    also reports read-only file systems), is an error. ``label`` names the
    folder in the message and ``kept`` says what stays as it was.
    """
    probe = folder
    while not probe.exists() and not probe.is_symlink() and probe != probe.parent:
        probe = probe.parent
    if probe.is_symlink() and not probe.exists():
        # A moved or unmounted disk: saying « un fichier » would send the user looking for a file.
        raise PipelineError(
            f"{label} impossible à créer : ce chemin est un lien symbolique vers un emplacement absent "
            f"({os.readlink(probe)}) (attendu un dossier pour {folder}){_setting_of(probe, label)}",
            probe,
        )
    if not probe.is_dir():
        raise PipelineError(
            f"{label} impossible à créer : ce chemin est un fichier, pas un dossier "
            f"(attendu un dossier pour {folder}){_setting_of(probe, label)}",
            probe,
        )
    if not os.access(probe, os.W_OK | os.X_OK):
        raise PipelineError(
            f"{label} non accessible en écriture (droits ou système de fichiers en lecture seule) : {kept}",
            probe,
        )


def _setting_of(path: Path, label: str) -> str:
    """« ; c'est le dossier que désigne CPTS_DATA_DIR » when ``path`` is the folder a user's variable names and
    ``label`` does not name it already (a review: a data folder that was a file was called the output folder, its
    variable never named)."""
    for variable, folder in ((config.DATA_DIR_ENV, config.data_dir()), (config.MAPS_DIR_ENV, config.maps_dir())):
        if os.environ.get(variable, "").strip() and path.absolute() == folder and variable not in label:
            return f" ; c'est le dossier que désigne la variable {variable}"
    return ""


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _new_folders(finals: tuple[Path, ...], token: str) -> list[Path]:
    news: list[Path] = []
    try:
        for final in finals:
            final.parent.mkdir(parents=True, exist_ok=True)
            new = Path(tempfile.mkdtemp(prefix=f".{final.name[:120]}.{os.getpid()}.", dir=final.parent))
            # mkdtemp creates the folder 0700; outputs are meant to be shared like any other folder.
            new.chmod(0o777 & ~_umask())
            (new / MARK).write_text(token, encoding="utf-8")
            news.append(new)
    except OSError as exc:
        for new in news:
            remove_tree(new)
        raise PipelineError(
            f"Impossible de créer le dossier de sortie ({french_os_error(exc)})", finals[len(news)].parent
        ) from exc
    return news


@contextmanager
def atomic_dirs(*finals: Path) -> Iterator[list[Path]]:
    """Yield temporary folders that replace ``finals`` together, only if the block succeeds.

    See the module docstring for the lock, the swap, and what an interruption
    leaves. File-system errors of the swap become a French
    :class:`PipelineError` naming the folder; a system error of the block
    (disk full, file size limit) is re-raised as an :class:`OSError` naming
    the final file.
    """
    for final in finals:
        check_writable(final.parent)
    key = _key(finals)
    with _lock(key, finals):
        recover(own=key)
        clean_stale({final.parent for final in finals})
        token = f"{os.getpid()}-{os.urandom(6).hex()}"
        news = _new_folders(finals, token)
        try:
            yield news
        except BaseException as exc:
            cause = _system_cause(exc, news, finals)
            for new in news:
                remove_tree(new)
            if cause is not None:
                raise cause from exc
            raise
        _swap_in(finals, news, token, locks_dir() / f"{key}.journal")


def _swap_in(finals: tuple[Path, ...], news: list[Path], token: str, journal: Path) -> None:
    swaps = [Swap(final, new, new.with_name(new.name[:-8] + "ancien__"))
             for final, new in zip(finals, news, strict=True)]
    with HeldSignals() as held:
        done: list[Swap] = []
        current = finals[0]
        try:
            write_journal(journal, token, swaps)
            for swap in swaps:
                current = swap.final
                put_in_place(swap)
                done.append(swap)
                if len(done) == 1 and len(swaps) > 1:
                    _pause_for_tests(held)
        except OSError as exc:
            with contextlib.suppress(OSError):  # else the journal stays, for the next run to undo
                for swap in reversed(done):
                    undo(swap, token)
                discard(swaps, journal, token)
            raise PipelineError(
                f"Impossible de remplacer le dossier de sortie ({french_os_error(exc)}) : les sorties précédentes "
                "sont conservées",
                current,
            ) from exc
        if held.received:  # interrupted during the swap: the previous outputs go back before the signal acts
            for swap in reversed(done):
                undo(swap, token)
            discard(swaps, journal, token)
            return
        journal.unlink(missing_ok=True)
    for swap in swaps:
        (swap.final / MARK).unlink(missing_ok=True)
        for previous in (swap.new, swap.aside):
            if previous.exists() and not remove_tree(previous):
                print(f"  note : l'ancien dossier de sortie n'a pas pu être supprimé ({previous}) ; supprimez-le",
                      flush=True)


@contextmanager
def atomic_dir(final: Path) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``final`` only if the block succeeds."""
    with atomic_dirs(final) as (tmp,):
        yield tmp


@contextmanager
def folders_locked(*finals: Path) -> Iterator[None]:
    """Hold the lock of ``finals``, given in the order :func:`atomic_dirs` was given them (the same lock: no run
    writes them meanwhile); waits as a writer does, up to ``CPTS_OUTPUTS_WAIT`` seconds."""
    with _lock(_key(finals), finals):
        yield


def remove_folders(*finals: Path, last: str | None = None) -> bool:
    """Remove ``finals`` (under :func:`folders_locked`): the folder holding a file named ``last`` after the
    others, that file after everything else in it. False when something stays (permissions), said by the caller;
    the removal then stops, the folder holding ``last`` kept whole for the next attempt."""
    ordered = sorted(finals, key=lambda final: last is not None and (final / last).exists())
    present = [final for final in ordered if final.exists() or final.is_symlink()]
    # ``all`` stops at the first that stays, before the folder holding ``last``: that file is how the next run
    # finds them (a re-check: a report kept, its summary gone, never retried).
    return all(_remove_last(final, last) for final in present)


def _remove_last(folder: Path, last: str | None) -> bool:
    if last is None or folder.is_symlink() or not folder.is_dir():
        return remove_tree(folder)
    entries = [Path(entry.path) for entry in os.scandir(folder) if entry.name != last]
    done = [remove_tree(entry) for entry in entries]
    return all(done) and remove_tree(folder)
