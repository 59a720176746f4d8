"""A cache of staged frames, so that ``make data`` parses each national file once, not at every load.

Staging the national files is most of a scoped or forced load: the seven
tarballs of the découpage administratif (JSON), Filosofi, the APL workbook
and the INSEE tables are parsed whole before a few départements are kept.
Their staged frames are stored as Parquet under
``<CPTS_DATA_DIR>/processed/staged`` (or ``CPTS_CACHE_DIR``), keyed by

* the source file's sha256 (already computed to decide whether a step runs),
* a digest of the pipeline's own code and of the pandas and pyarrow versions
  (a changed staging rule never reads frames staged by the old one).

An entry is kept only when reading it back gives frames equal to the staged
ones (values, dtypes, column order): a frame Parquet cannot hold exactly is
simply staged again next time. The cache never makes a load fail: an entry
that cannot be written (disk full, read-only folder) or read (damaged) is
ignored and the file staged again. Errors of the file itself are raised by
the staging function, so they are never cached. Each source keeps one
entry: a new one removes the older ones of the same source.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa

from pipeline import config

#: Another folder for the cache (shared by several data folders, as the test suite does); default
#: ``<CPTS_DATA_DIR>/processed/staged``, removed by ``make clean``.
CACHE_DIR_ENV = "CPTS_CACHE_DIR"
_PACKAGE = Path(__file__).resolve().parent.parent
_KEY_LENGTH = 32


def cache_dir() -> Path:
    value = os.environ.get(CACHE_DIR_ENV, "").strip()
    return Path(value) if value else config.processed_dir() / "staged"


@cache
def code_digest() -> str:
    """Digest of every module of the package, of its data files (nomenclatures, parameters) and of the libraries
    that write and read the frames."""
    digest = hashlib.sha256(f"pandas {pd.__version__} pyarrow {pa.__version__}".encode())
    for path in sorted([*_PACKAGE.rglob("*.py"), *(p for p in _PACKAGE.glob("data/*") if p.is_file())]):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _entry(name: str, sha256: str) -> Path:
    key = hashlib.sha256(f"{name}\n{sha256}\n{code_digest()}".encode()).hexdigest()[:_KEY_LENGTH]
    return cache_dir() / f"{name}-{key}"


def _restore_objects(frame: pd.DataFrame, objects: list[str]) -> pd.DataFrame:
    """Object columns as staged: pandas reads Parquet strings as ``str``, whose missing values are NaN."""
    for column in objects:
        if frame[column].dtype != object:
            values = frame[column].astype(object)
            frame[column] = values.where(frame[column].notna(), None)
    return frame


def _read(entry: Path) -> dict[str, pd.DataFrame] | None:
    try:
        tables = json.loads((entry / "tables.json").read_text(encoding="utf-8"))
        return {table: _restore_objects(pd.read_parquet(entry / f"{table}.parquet"), objects)
                for table, objects in tables.items()}
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):  # absent or damaged: stage again
        return None


def _same(frame: pd.DataFrame, back: pd.DataFrame) -> bool:
    """Equal values, dtypes, columns and index (``DataFrame.equals``); in object columns, the same Python types
    too (None stays None, where ``equals`` would accept a NaN in its place)."""
    objects = [c for c in frame.columns if frame[c].dtype == object]
    return frame.equals(back) and all(frame[c].map(type).equals(back[c].map(type)) for c in objects)


def _write(name: str, entry: Path, frames: dict[str, pd.DataFrame]) -> None:
    """Write the entry in a temporary folder, check it reads back equal, then rename it into place."""
    temporary: Path | None = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", dir=entry.parent))
        for table, frame in frames.items():
            frame.to_parquet(temporary / f"{table}.parquet")
        objects = {table: [str(c) for c in frame.columns if frame[c].dtype == object]
                   for table, frame in frames.items()}
        (temporary / "tables.json").write_text(json.dumps(objects), encoding="utf-8")
        back = _read(temporary)
        if back is None or any(not _same(frames[t], back[t]) for t in frames):
            return  # Parquet does not hold these frames exactly: not cached
        os.replace(temporary, entry)  # fails when another process put the same entry first: keep theirs
        temporary = None
        _prune(name, entry)
    except (OSError, ValueError, TypeError, pa.ArrowException):
        return  # the cache is an optimisation: a full disk or an odd column never fails the load
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)


def _prune(name: str, entry: Path) -> None:
    """Remove the other entries of the same source (an older file, or frames staged by older code).

    One entry per source: the cache does not grow with every new file or version. A process still
    reading a removed entry fails to and stages the file again.
    """
    pattern = re.compile(rf"{re.escape(name)}-[0-9a-f]{{{_KEY_LENGTH}}}")
    for sibling in entry.parent.iterdir():
        if sibling != entry and pattern.fullmatch(sibling.name):
            shutil.rmtree(sibling, ignore_errors=True)


def staged(name: str, sha256: str, stage: Callable[[], dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """The frames ``stage()`` gives for the file of checksum ``sha256``, from the cache when it has them.

    Parameters
    ----------
    name
        The source's name (a folder-name prefix, for whoever looks in the cache).
    sha256
        Checksum of the file ``stage`` reads.
    stage
        Stages the file; its errors propagate and nothing is cached.
    """
    entry = _entry(name, sha256)
    frames = _read(entry)
    if frames is not None:
        return frames
    frames = stage()
    _write(name, entry, frames)
    return frames
