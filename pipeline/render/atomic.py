"""Write an output file atomically: into a temporary file next to it, then renamed over it.

A failure half-way (disk full, crash, interrupted print) leaves the previous
file as it was, never half a file; file-system errors become a French
:class:`~pipeline.errors.PipelineError` naming the file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from pipeline.errors import PipelineError, french_os_error


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_atomically(path: str | Path, write: Callable[[Path], object], what: str) -> Path:
    """Call ``write(temporary_path)`` then rename the temporary file to ``path``; returns ``path``.

    Parameters
    ----------
    path
        Final file; its folder is created.
    write
        Writes the whole file at the path it is given.
    what
        French name of the document for the error message (« le classeur Excel »).

    Raises
    ------
    PipelineError
        The folder or the file cannot be written.
    """
    final = Path(path)
    tmp: Path | None = None
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp")
        os.close(handle)
        tmp = Path(name)
        write(tmp)
        # mkstemp creates the file 0600; outputs are shared like any other file.
        tmp.chmod(0o666 & ~_umask())
        os.replace(tmp, final)
    except OSError as exc:
        raise PipelineError(f"Impossible d'écrire {what} ({french_os_error(exc)})", final) from exc
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()
    return final


__all__ = ["write_atomically"]
