"""Untrusted zip archives: open exactly one member, safely, as a plain file on disk.

The Agence du Numérique en Santé publishes the Annuaire Santé extraction as a
zip, and users hand us zips they downloaded or received. Such a file is
untrusted input; this module refuses, with a French :class:`DataError`:

* a member that is not exactly the one asked for: the member is chosen by its
  exact name, or as the single member whose name starts with an expected
  prefix; ``*``, ``?`` or ``[`` in a name are ordinary characters, never a
  pattern;
* an encrypted member (password-protected, or WinZip AES, method 99);
* a compression method this Python cannot decompress (Deflate64, Implode,
  PPMd, Zstandard…), named;
* a zip bomb: the uncompressed size is capped (:data:`MAX_UNCOMPRESSED_BYTES`),
  both as declared by the archive and as actually streamed, and so is the
  compression ratio (:data:`MAX_COMPRESSION_RATIO`, beyond
  :data:`RATIO_CHECKED_FROM_BYTES`), counting bytes while decompressing;
* a truncated or corrupted archive, with the line up to which the member
  could be read.

The member is streamed in chunks (bounded memory) to a temporary folder that
is removed afterwards. A full disk surfaces as the :class:`OSError` of the
system (``errno.ENOSPC``) naming the temporary file, which the command line
prints in French.
"""

from __future__ import annotations

import importlib.util
import shutil
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pipeline.errors import DataError

#: Largest uncompressed member accepted (the national Annuaire extraction is about 0.5 GiB).
MAX_UNCOMPRESSED_BYTES = 8 * 1024**3
#: Largest compression ratio accepted. Pipe-separated registries compress about 10:1; a bomb of
#: zeros compresses about 1 000:1 with Deflate.
MAX_COMPRESSION_RATIO = 200
#: The ratio is only judged on members larger than this (small files of blanks compress well).
RATIO_CHECKED_FROM_BYTES = 64 * 1024**2
#: Size of the chunks read from the archive and written to disk.
CHUNK_BYTES = 8 << 20

#: Zip compression methods (PKWARE APPNOTE §4.4.5) -> name shown to the user.
COMPRESSION_METHODS: dict[int, str] = {
    0: "stockée (sans compression)",
    1: "Shrink",
    6: "Implode",
    8: "Deflate",
    9: "Deflate64",
    12: "bzip2",
    14: "LZMA",
    93: "Zstandard",
    95: "XZ",
    98: "PPMd",
    99: "AES (chiffrement WinZip)",
}
_ENCRYPTED_FLAG = 0x1
_AES_METHOD = 99
#: First bytes of other archive formats -> their name (they are refused, not read as text).
OTHER_ARCHIVES: dict[bytes, str] = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"7z\xbc\xaf\x27\x1c": "7-Zip",
    b"Rar!": "RAR",
    b"\xfd7zXZ\x00": "XZ",
    b"\x28\xb5\x2f\xfd": "Zstandard",
}


def supported_methods() -> frozenset[int]:
    """Compression methods this Python decompresses (bzip2 and LZMA only when their modules exist)."""
    methods = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
    if importlib.util.find_spec("bz2") is not None:
        methods.add(zipfile.ZIP_BZIP2)
    if importlib.util.find_spec("lzma") is not None:
        methods.add(zipfile.ZIP_LZMA)
    return frozenset(methods)


@dataclass(frozen=True)
class TextSource:
    """A plain file ready to read, and where it came from.

    Attributes
    ----------
    path
        The file to read: ``origin`` itself, or the member extracted to a temporary file.
    origin
        The file the user gave (a text file or a zip).
    member
        Name of the member inside the zip, None for a plain file.
    """

    path: Path
    origin: Path
    member: str | None

    @property
    def shown(self) -> str:
        """How messages name the file: ``archive.zip!membre.txt`` for a member."""
        return f"{self.origin}!{self.member}" if self.member is not None else str(self.origin)

    @property
    def name(self) -> str:
        """File name carrying the extraction stamp: the member's, else the file's."""
        return Path(self.member).name if self.member is not None else self.origin.name


def is_zip(path: Path) -> bool:
    """Whether ``path`` is a zip (by its first bytes, or its ``.zip`` suffix for a damaged one)."""
    with open(path, "rb") as handle:
        magic = handle.read(4)
    return magic in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08") or Path(path).suffix.lower() == ".zip"


def list_members(path: Path) -> list[str]:
    """Names of the files in a zip; [] for a plain or unreadable file."""
    try:
        with zipfile.ZipFile(path) as archive:
            return [info.filename for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, EOFError, OSError):
        return []


def choose_member(names: list[str], path: Path, member: str | None = None, prefix: str | None = None) -> str:
    """The member to open: exactly ``member``, or the single one whose file name starts with ``prefix``.

    Names are compared literally (``*`` is a character); ``member`` may be the
    full name in the archive or its base name; ``prefix`` ignores case and
    folders.

    Raises
    ------
    DataError
        No such member, or several members match the prefix.
    """
    listing = ", ".join(f"« {n} »" for n in names[:20]) or "aucun fichier"
    if member is not None:
        exact = [n for n in names if n == member] or [n for n in names if n.rsplit("/", 1)[-1] == member]
        if len(exact) == 1:
            return exact[0]
        if not exact:
            raise DataError(f"L'archive ne contient pas le fichier « {member} » (contenu : {listing})", path)
        raise DataError(f"L'archive contient plusieurs fichiers nommés « {member} » : {listing}", path)
    if prefix is None:
        if len(names) == 1:
            return names[0]
        raise DataError(f"L'archive contient plusieurs fichiers ; lequel lire ? (contenu : {listing})", path)
    wanted = prefix.lower()
    found = [n for n in names if n.rsplit("/", 1)[-1].lower().startswith(wanted)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise DataError(f"L'archive ne contient aucun fichier « {prefix}… » (contenu : {listing})", path)
    shown = ", ".join(f"« {n} »" for n in found[:20])
    raise DataError(f"L'archive contient plusieurs fichiers « {prefix}… » : {shown} ; gardez-en un seul", path)


def _method_name(method: int) -> str:
    return COMPRESSION_METHODS.get(method, f"méthode n° {method}")


def _check_member(info: zipfile.ZipInfo, path: Path, max_bytes: int, max_ratio: float, ratio_from: int) -> None:
    """Refuse an encrypted member, an unsupported method or declared sizes of a bomb."""
    shown = f"{path}!{info.filename}"
    if info.flag_bits & _ENCRYPTED_FLAG or info.compress_type == _AES_METHOD:
        raise DataError(
            "Fichier chiffré (protégé par un mot de passe) dans l'archive : extrayez-le vous-même puis "
            "donnez le fichier extrait",
            shown,
        )
    if info.compress_type not in supported_methods():
        raise DataError(
            f"Méthode de compression non prise en charge : {_method_name(info.compress_type)} ; "
            "recompressez l'archive en ZIP standard (Deflate) ou donnez le fichier extrait",
            shown,
        )
    if info.file_size > max_bytes:
        raise DataError(
            f"Archive suspecte (bombe de décompression ?) : taille déclarée du fichier décompressé "
            f"{info.file_size} octets, au-delà de la limite de {max_bytes} octets",
            shown,
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > ratio_from and ratio > max_ratio:
        raise DataError(
            f"Archive suspecte (bombe de décompression ?) : taux de compression déclaré {ratio:.0f}:1, "
            f"au-delà de la limite de {max_ratio:.0f}:1",
            shown,
        )


def readable_lines_of_damaged_zip(path: Path) -> int | None:
    """Line reached when decompressing the first member of a zip cut short.

    A truncated zip loses its central directory, so :mod:`zipfile` cannot open
    it; the first local file header is still at offset 0 (PKWARE APPNOTE
    §4.3.7): inflate its data as far as it goes and count the lines.
    """
    with open(path, "rb") as handle:
        head = handle.read(30)
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            return None
        method = struct.unpack("<H", head[8:10])[0]
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        handle.seek(30 + name_len + extra_len)
        if method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return None
        inflater = zlib.decompressobj(-15) if method == zipfile.ZIP_DEFLATED else None
        newlines = 0
        read = 0
        while (block := handle.read(1 << 20)) and read < MAX_UNCOMPRESSED_BYTES:
            try:
                data = inflater.decompress(block, 64 << 20) if inflater is not None else block
            except zlib.error:
                break
            read += len(data)
            newlines += data.count(b"\n")
        return newlines + 1


def _open_target(target: Path) -> BinaryIO:
    """Open the temporary file receiving the member (a seam for the full-disk test)."""
    return open(target, "wb")


def _extract(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    path: Path,
    target: Path,
    max_bytes: int,
    max_ratio: float,
    ratio_from: int,
) -> None:
    """Stream one member to ``target``, counting bytes and lines."""
    shown = f"{path}!{info.filename}"
    written = 0
    newlines = 0
    try:
        with archive.open(info) as source, _open_target(target) as sink:
            while block := source.read(CHUNK_BYTES):
                written += len(block)
                if written > max_bytes:
                    raise DataError(
                        f"Archive suspecte (bombe de décompression ?) : plus de {max_bytes} octets décompressés "
                        f"(limite), alors que l'archive en déclarait {info.file_size}",
                        shown,
                    )
                if written > ratio_from and written / max(info.compress_size, 1) > max_ratio:
                    raise DataError(
                        f"Archive suspecte (bombe de décompression ?) : taux de compression supérieur à "
                        f"{max_ratio:.0f}:1 ({written} octets décompressés depuis {info.compress_size})",
                        shown,
                    )
                newlines += block.count(b"\n")
                try:
                    sink.write(block)
                except OSError as exc:
                    raise OSError(exc.errno, exc.strerror, str(target)) from exc
    except (zipfile.BadZipFile, EOFError, zlib.error, struct.error) as exc:
        raise DataError(
            f"Archive ZIP corrompue ou tronquée (contenu lisible jusqu'à la ligne {newlines + 1}) : "
            "téléchargez-la à nouveau",
            shown,
            newlines + 1,
        ) from exc
    except (NotImplementedError, RuntimeError) as exc:
        # zipfile's own refusals (method, encryption) when the headers disagree with the directory.
        raise DataError(f"Fichier illisible dans l'archive : {exc}", shown) from exc


@contextmanager
def open_text_source(
    path: str | Path,
    *,
    member: str | None = None,
    prefix: str | None = None,
    workdir: str | Path | None = None,
    max_bytes: int = MAX_UNCOMPRESSED_BYTES,
    max_ratio: float = MAX_COMPRESSION_RATIO,
    ratio_from: int = RATIO_CHECKED_FROM_BYTES,
) -> Iterator[TextSource]:
    """A plain file for ``path``: the file itself, or one member of a zip extracted safely.

    Parameters
    ----------
    path
        A text file, or a zip holding the wanted file.
    member
        Exact name of the member to read (base name accepted).
    prefix
        Otherwise, the file-name prefix of the single member to read
        (``PS_LibreAcces_Personne_activite``).
    workdir
        Folder for the temporary copy (default: the system's temporary folder).
    max_bytes, max_ratio, ratio_from
        Zip-bomb caps: uncompressed size, compression ratio, and the size from
        which the ratio is judged.

    Yields
    ------
    TextSource
        The file to read; a temporary copy is removed on exit.

    Raises
    ------
    DataError
        Missing or empty file; another archive format (gzip, 7-Zip, RAR…);
        unreadable, truncated or corrupted zip (with the line reached); member
        absent or ambiguous; encrypted member; unsupported compression method
        (named); zip bomb.
    OSError
        System errors, e.g. ``errno.ENOSPC`` when the temporary folder is full
        (``filename`` is the temporary file).
    """
    origin = Path(path)
    if not origin.exists():
        raise DataError("Fichier introuvable", origin)
    if origin.is_dir():
        raise DataError("C'est un dossier, pas un fichier", origin)
    if origin.stat().st_size == 0:
        raise DataError("Le fichier est vide (0 octet)", origin, 1)
    if not is_zip(origin):
        with open(origin, "rb") as handle:
            head = handle.read(8)
        for magic, name in OTHER_ARCHIVES.items():
            if head.startswith(magic):
                raise DataError(
                    f"Archive {name} non prise en charge : décompressez-la et donnez le fichier extrait, "
                    "ou une archive ZIP",
                    origin,
                )
        yield TextSource(origin, origin, None)
        return
    try:
        archive = zipfile.ZipFile(origin)
    except (zipfile.BadZipFile, EOFError, struct.error) as exc:
        line = readable_lines_of_damaged_zip(origin)
        where = f" ; contenu lisible jusqu'à la ligne {line}" if line else ""
        raise DataError(
            f"Archive ZIP illisible ou tronquée (téléchargement interrompu ?){where} : téléchargez-la à nouveau",
            origin,
            line,
        ) from exc
    if workdir is not None:
        Path(workdir).mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="cpts-archive-", dir=workdir))
    try:
        with archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
            chosen = choose_member(names, origin, member, prefix)
            info = archive.getinfo(chosen)
            _check_member(info, origin, max_bytes, max_ratio, ratio_from)
            # The member's own name may hold « .. » or « / »: the copy gets a fixed name.
            target = folder / "membre.txt"
            _extract(archive, info, origin, target, max_bytes, max_ratio, ratio_from)
        yield TextSource(target, origin, chosen)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
