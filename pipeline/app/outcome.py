"""How a command's run ends: its exit code and its one French line on stderr.

Exit codes: 0 success; 2 bad input (:class:`PipelineError`, a damaged
database included); 3 database or outputs held by another run; 1 system
error (disk full, file size limit, permission) or an unexpected error;
130/143 interrupted by SIGINT/SIGTERM; 141 when the output's reader went
away, without a message. Bad input and system errors print one French line,
without traceback. An unexpected exception is a bug of the pipeline: it
prints a French header (what happened, that no source is half-loaded, what to
report) *and* the traceback, which is what a maintainer needs to fix it;
hiding it would turn every bug report into guesswork.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable

from pipeline.errors import PipelineError, french_os_error, misplaced_folder


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a CI timeout) turned into an interruption, so that open transactions roll back."""

    signum = signal.SIGTERM


#: Signals received during this run. DuckDB turns the interruption raised inside a query into its own
#: ``RuntimeError("Query interrupted")``: with a signal recorded here, that error is still an interruption.
_received: list[int] = []


class Interrupted(KeyboardInterrupt):
    """An interruption after the run had already replaced some outputs (``make diagnostics``: the CPTS done).

    ``message`` is the run's French line, said instead of « les sorties précédentes sont inchangées ».
    """

    def __init__(self, signum: int, message: str) -> None:
        super().__init__(message)
        self.signum = signum
        self.message = message


def _on_sigterm(signum: int, frame: object) -> None:
    _received.append(signal.SIGTERM)
    raise Terminated()


def _on_sigint(signum: int, frame: object) -> None:
    _received.append(signal.SIGINT)
    raise KeyboardInterrupt


KEPT = ("La base est celle du dernier chargement achevé (make data écrit dans une copie, qui ne la remplace qu'à la "
        "fin) et les sorties précédentes sont intactes.")

#: OS errors that are about the machine (disk, rights), not about the program: no traceback for them (nor for
#: a file or a dangling link where a folder is expected, see :func:`pipeline.errors.misplaced_folder`).
ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}

#: Exit code when the reader of the output went away (``… | head``): 128 + SIGPIPE, what the shell
#: reports for any command stopped that way, so that ``set -o pipefail`` scripts see the output was cut.
BROKEN_PIPE = 128 + 13


def run(command: Callable[[], int]) -> int:
    """Run ``command`` (a parsed command line); return its exit code, every error reported in French."""
    previous = previous_int = None
    _received.clear()
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # an ignored SIGINT stays ignored
            previous_int = signal.signal(signal.SIGINT, _on_sigint)
    try:
        code = command()
        sys.stdout.flush()  # inside the try: a reader gone away is met here, not at interpreter exit
        return code
    except BrokenPipeError:
        return _reader_gone()
    except KeyboardInterrupt as exc:
        return _interrupted(int(getattr(exc, "signum", signal.SIGINT)),
                            exc.message if isinstance(exc, Interrupted) else None)
    except Exception as exc:  # every error ends in one French message (MemoryError included)
        if (signum := interruption_signal(exc)) is not None:
            return _interrupted(signum)
        return _report(exc)
    finally:
        _received.clear()  # a later run in this process (tests) starts afresh, whatever this one met
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if previous_int is not None:
            signal.signal(signal.SIGINT, previous_int)


def check_interrupted() -> None:
    """Raise the interruption of a signal received during this run that a library swallowed, between two steps.

    NumPy clears any error met while comparing dtypes (pandas' ``astype``): a Ctrl-C whose handler ran there was
    lost, and ``make data`` went on to the end, exit 0 (seen once in a few runs of the robustness tests).
    """
    if _received:
        raise Terminated() if _received[-1] == signal.SIGTERM else KeyboardInterrupt


def interruption_signal(exc: BaseException) -> int | None:
    """The signal ``exc`` stands for (SIGINT, SIGTERM), or None when it is not an interruption.

    A ``KeyboardInterrupt``, or an error a library made of one while a signal of this run was received (DuckDB's
    « Query interrupted », an error chained to the interruption).
    """
    if isinstance(exc, KeyboardInterrupt):
        return int(getattr(exc, "signum", signal.SIGINT))
    if isinstance(exc, Exception) and _received and (_interrupted_query(exc) or _made_of_the_interruption(exc)):
        return _received[-1]
    return None


def _interrupted(signum: int, message: str | None = None) -> int:
    _say(message or "Interrompu : la base et les sorties précédentes sont inchangées.")
    return 128 + signum


def _made_of_the_interruption(exc: BaseException) -> bool:
    """An error a library made of the signal's exception: chained to it, or naming it in its message.

    Code run on behalf of a library (DuckDB reading a pandas frame, a pyarrow callback) that meets the
    interruption may raise its own error instead; one such run ended « Erreur inattendue … Terminated: ».
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return any(f"{name}: " in str(exc) for name in ("Terminated", "KeyboardInterrupt"))


def _interrupted_query(exc: Exception) -> bool:
    if "duckdb" not in sys.modules:
        return False
    from pipeline.store.connection import is_interrupted_query

    return is_interrupted_query(exc)


def _report(exc: BaseException) -> int:
    """Print the French message of ``exc`` on stderr; return the exit code."""
    if not isinstance(exc, PipelineError | OSError | MemoryError) and "duckdb" in sys.modules:
        # DuckDB errors that are not bugs: a damaged file met by a query, a disk full while writing.
        from pipeline.store.connection import translate_error

        exc = translate_error(exc) or exc
    if isinstance(exc, PipelineError):
        _say(f"Erreur : {exc}")
        return exc.exit_code
    if isinstance(exc, OSError) and (exc.errno in ENVIRONMENT_ERRNOS or misplaced_folder(exc) is not None):
        where = f" (fichier {exc.filename})" if exc.filename else ""
        _say(f"Erreur système : {french_os_error(exc)}{where}. {KEPT}")
        # Writers stopped mid-file by the same cause (openpyxl's sheet streams) would each print their own
        # « Exception ignored » traceback when collected at exit, after the one French line.
        sys.unraisablehook = lambda _: None
        return 1
    if isinstance(exc, MemoryError):
        _say(f"Erreur : mémoire insuffisante. {KEPT}")
        return 1
    return _unexpected(exc)


def _say(message: str) -> None:
    """One line on stderr; nothing when stderr itself is a closed pipe (``2>&1 | head``)."""
    try:
        print(message, file=sys.stderr, flush=True)
    except BrokenPipeError:
        _reader_gone()


def _reader_gone() -> int:
    """The output's reader went away: stop quietly.

    Python would otherwise report the failed flush of its buffered output at
    exit (« Exception ignored … BrokenPipeError »): both streams are pointed
    at ``/dev/null`` so that nothing more is written to the dead pipe.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(devnull, stream.fileno())
    os.close(devnull)
    return BROKEN_PIPE


def _unexpected(exc: BaseException) -> int:
    try:
        print(
            f"Erreur inattendue ({type(exc).__name__}) : anomalie du programme, pas de vos données. {KEPT} "
            "Merci de signaler l'anomalie avec la commande lancée et le détail technique ci-dessous :",
            file=sys.stderr,
        )
        traceback.print_exception(exc, file=sys.stderr)
        sys.stderr.flush()
    except BrokenPipeError:
        return _reader_gone()
    return 1
