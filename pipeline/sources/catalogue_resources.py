"""What a catalogue resource says of its file, before and after its download: checksum, format, zip members.

data.gouv.fr describes each resource by a ``checksum`` (``{"type", "value"}``), a declared ``format``, a ``mime``
type and its URL. :func:`announced_checksum` reads the checksum, or says why it cannot be verified;
:func:`unreadable_format` tells a resource the loaders cannot read (a spreadsheet, a PDF) from one they can;
:func:`zip_problem` tells, once a zip is downloaded, whether it holds the one file the loader will open.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

from pipeline.sources.download import HASHES, Checksum

#: Hex length of each digest, by :data:`pipeline.sources.download.HASHES` name.
DIGEST_LENGTHS = {"sha256": 64, "sha2": 64, "sha1": 40, "md5": 32, "sha512": 128}

#: Formats the loaders read: the pipe-separated or CSV text of the extractions, and the zip the Annuaire Santé
#: and FINESS are sometimes published in (the loaders open the member they need).
TEXT_FORMATS = frozenset({"txt", "csv"})
ZIP_FORMAT = "zip"
#: MIME types naming those formats; ``application/octet-stream`` (and an absent type) says nothing.
MIME_FORMATS = {"text/plain": "txt", "text/csv": "csv", "application/csv": "csv", "application/zip": ZIP_FORMAT,
                "application/x-zip-compressed": ZIP_FORMAT, "application/x-zip": ZIP_FORMAT}
SILENT_MIMES = frozenset({"", "application/octet-stream", "binary/octet-stream"})


def announced_checksum(value: Any) -> tuple[Checksum | None, str | None]:
    """The checksum a catalogue gives for a resource, or why it cannot be verified.

    Returns ``(checksum, None)``, ``(None, None)`` when none is given, or ``(None, note)`` where ``note`` is the
    French « somme de contrôle non vérifiée (…) » that ``make data`` says.

    An announced checksum of a type the tool does not know, or whose value is not the hex digest of its type, is
    neither taken for « no checksum » in silence (a review: an altered file then loaded as real, and nothing said)
    nor a reason to refuse the file. Refusing would put fictitious demonstration data in the place of the
    publisher's real extraction because of how its catalogue writes a checksum, not because of the file; the
    downloaded file is still checked by its length, its content (no web page, an archive read to its end) and
    the loader's strict reading; and a resource without any checksum (the Annuaire Santé's savoir-faire) is
    loaded too. So it is loaded, and the note says at every run that its checksum was not verified, and why.

    >>> announced_checksum({"type": "crc32", "value": "deadbeef"})
    (None, "somme de contrôle non vérifiée (type « crc32 » inconnu de l'outil)")
    >>> announced_checksum({"type": "sha1", "value": "xyz"})
    (None, 'somme de contrôle non vérifiée (valeur « xyz » illisible pour le type sha1)')
    >>> announced_checksum(None), announced_checksum({"type": "md5", "value": "0" * 32})[0]
    ((None, None), Checksum(algorithm='md5', value='00000000000000000000000000000000'))
    """
    if not isinstance(value, dict):
        return None, None
    algorithm = str(value.get("type") or "").strip().lower()
    digest = str(value.get("value") or "").strip().lower()
    if not algorithm and not digest:
        return None, None
    if algorithm not in HASHES:
        return None, f"somme de contrôle non vérifiée (type « {algorithm or 'absent'} » inconnu de l'outil)"
    if not re.fullmatch(r"[0-9a-f]+", digest) or len(digest) != DIGEST_LENGTHS[algorithm]:
        return None, f"somme de contrôle non vérifiée (valeur « {digest[:24]} » illisible pour le type {algorithm})"
    return Checksum(algorithm, digest), None


def _extension(url: str) -> str:
    """The extension of the URL's file name (``xlsx``), or ``""``."""
    suffix = PurePosixPath(unquote(urlparse(url).path)).suffix.lower().lstrip(".")
    # A letter first: « extraction_v1.2 » or « stock-2026.0342 » name no format.
    return suffix if re.fullmatch(r"[a-z][a-z0-9]{0,4}", suffix) else ""


def resource_format(resource: dict[str, Any], url: str) -> tuple[str | None, str | None]:
    """``(kind, refused)``: ``kind`` is ``"zip"`` or ``"text"`` for a resource the loaders read, and ``refused``
    names the format of one they cannot (``xlsx``), from its declared ``format``, its ``mime`` and its URL's
    extension. A resource saying nothing of its format is taken as text: the loaders judge its content."""
    said: list[str] = []
    declared = str(resource.get("format") or "").strip().lower().lstrip(".")
    if declared:
        said.append(declared)
    mime = str(resource.get("mime") or "").split(";")[0].strip().lower()
    if mime not in SILENT_MIMES:
        said.append(MIME_FORMATS.get(mime, mime))
    if extension := _extension(url):
        said.append(extension)
    for fmt in said:
        if fmt not in TEXT_FORMATS and fmt != ZIP_FORMAT:
            return None, fmt
    return ("zip" if ZIP_FORMAT in said else "text"), None


def zip_problem(path: Path, prefix: str, single_member: bool) -> str | None:
    """Why a downloaded zip does not hold the one file its loader opens (None when it does, or is no zip).

    The loader opens the single member whose name starts with ``prefix``, or (``single_member``) an archive's
    only member: a zip of several other files cannot be loaded (a review's hid an older usable extraction).
    """
    if not zipfile.is_zipfile(path):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, EOFError):
        return "l'archive est illisible"
    found = [n for n in names if n.rsplit("/", 1)[-1].lower().startswith(prefix.lower())]
    if len(found) == 1 or (single_member and not found and len(names) == 1):
        return None
    listing = ", ".join(f"« {n} »" for n in names[:10]) + (" …" if len(names) > 10 else "") or "aucun fichier"
    if found:
        return f"l'archive contient plusieurs fichiers {prefix}… ({listing})"
    return f"l'archive ne contient pas de fichier {prefix}… (contenu : {listing})"
