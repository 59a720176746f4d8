"""The checks a downloaded file passes before it is kept: not a web page, and an archive that reads to its end.

A file that fails them is deleted (with the validator kept beside its ``.part``) and refused as a French
:class:`~pipeline.errors.SourceUnavailableError`, a system error: the publisher's side, not the user's input.
"""

from __future__ import annotations

import gzip
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path

from pipeline.errors import SourceUnavailableError
from pipeline.sources.files import web_page
from pipeline.sources.transfer import CHUNK, discard


def readable_archive(path: Path, name: str) -> bool:
    """Whether an archive (by the name it is saved under: .tgz, .tar.gz, .zip, .gz) reads to its end.

    A gzip stream is read whole, to its trailer, whose CRC and length are then checked: a tarball read entry by
    entry stops at the tar's end blocks, before the trailer, and a review's tarball with 64 bytes changed in its
    middle passed, then failed at every later run as invalid JSON.
    """
    lowered = name.lower()
    try:
        if lowered.endswith((".tgz", ".tar.gz")):
            with tarfile.open(path, "r:gz") as archive:
                for member in archive:  # every header and block read: a cut file fails here
                    if member.isfile() and (handle := archive.extractfile(member)) is not None:
                        while handle.read(CHUNK):
                            pass
                while archive.fileobj is not None and archive.fileobj.read(CHUNK):
                    pass  # on past the tar's end blocks, to the trailer
        elif lowered.endswith(".gz"):
            with gzip.open(path) as stream:
                while stream.read(CHUNK):
                    pass
        elif lowered.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                return archive.testzip() is None
    except (OSError, EOFError, tarfile.TarError, zipfile.BadZipFile, zlib.error, struct.error, NotImplementedError,
            RuntimeError):  # a damaged deflate stream, a zip method or encryption zipfile refuses
        return False
    return True


def check_content(part: Path, dest: Path, url: str, content_type: str | None = None) -> None:
    """Refuse, and delete, a downloaded file that cannot be the one asked: a web page (:func:`web_page`), or an
    archive that does not read to its end (cut, corrupted, or another content). A review found such files kept
    in ``data/raw/`` and read again by every later run, ``--force`` included."""
    with open(part, "rb") as handle:
        head = handle.read(1024)
    problem = None
    if web_page(head, content_type) and not dest.name.lower().endswith((".html", ".htm")):
        problem = "le serveur a renvoyé une page web au lieu du fichier"
    elif not readable_archive(part, dest.name):
        problem = "l'archive reçue est illisible (coupée, corrompue, ou d'un autre format)"
    if problem is not None:
        discard(part)
        raise SourceUnavailableError(f"Téléchargement de {url} refusé : {problem} ; le fichier a été supprimé, "
                                     "relancez plus tard", dest)
