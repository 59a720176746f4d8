"""User-facing errors.

Every error the pipeline raises on bad input is a :class:`PipelineError` whose
message is in French and names the file (and line when known). The CLI prints
it and exits with a non-zero code. System errors about the machine (disk full,
permission) get a French line too; any other exception is a bug and keeps its
traceback under a French header (see :func:`pipeline.cli.main`).
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

#: How :func:`collect` starts each problem of a list.
LIST_ITEM = "  - "


class PipelineError(Exception):
    """A French, user-facing error about bad input or an impossible request.

    Parameters
    ----------
    message
        French sentence describing the problem.
    path
        File concerned, if any.
    line
        1-based line number in that file, if known.
    """

    exit_code = 2

    def __init__(self, message: str, path: str | os.PathLike[str] | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        header_end = self.message.find(" :\n" + LIST_ITEM)
        if self.path is not None and header_end >= 0:
            # A list of problems (:func:`collect`), each item with its line: the file at the end of the header (a
            # quoted cell in it may hold a line break), not after the last item, which it seemed to contradict
            # (« - ligne 7 : … (fichier x.csv, ligne 6) », a review).
            return f"{self.message[:header_end]} (fichier {self.path}) :{self.message[header_end + 2:]}"
        where = ""
        if self.path is not None:
            where = f" (fichier {self.path}"
            if self.line is not None:
                where += f", ligne {self.line}"
            where += ")"
        return f"{self.message}{where}"


class DataError(PipelineError):
    """A source file is malformed: missing column, bad encoding, truncated..."""


class TerritoryError(PipelineError):
    """A territory specification cannot be resolved."""


class DownloadError(PipelineError):
    """A source file cannot be had because of the user's set-up (exit code 2): a file missing from the mirror
    they named, a source without a download address that they must place in ``data/raw/``."""


class InvalidAddressError(DownloadError):
    """A download address that cannot be one as written (no « http:// », another scheme, no host): the user's
    setting (``CPTS_CONTOURS_URL``…), which stops ``make data`` even where a publisher's failure would not (a
    review: an invalid Filosofi address ended with exit 0)."""


class SourceUnavailableError(DownloadError):
    """A publisher's file could not be had: network down, server error, timeout, a transfer cut or corrupted, a
    file the publisher does not have (HTTP 404, a catalogue without the dataset or the file, or answering
    nonsense).

    Not the user's input: a system error (exit code 1), as the contract says, whatever the publisher (npm,
    Etalab, data.gouv.fr); only the user's own set-up is a :class:`DownloadError` (2).
    """

    exit_code = 1


class StoreBusyError(PipelineError):
    """Another process holds the database lock."""

    exit_code = 3


def collect(errors: list[str], header: str, path: str | Path | None = None) -> None:
    """Raise one :class:`DataError` listing every collected problem, if any.

    Validators gather all problems before raising so that the user fixes a
    file in one pass rather than one error at a time.
    """
    if errors:
        shown = errors[:50]
        more = f"\n  … et {len(errors) - 50} autres" if len(errors) > 50 else ""
        raise DataError(header + "\n" + LIST_ITEM + ("\n" + LIST_ITEM).join(shown) + more, path)


#: French wording of the system errors a user can meet (the C library's strerror is English).
OS_ERRORS_FR = {
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.ENOSPC: "plus d'espace libre sur le disque",
    errno.EDQUOT: "quota disque dépassé",
    errno.EFBIG: "fichier trop volumineux (taille maximale permise par le système, « ulimit -f », atteinte)",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.EIO: "erreur d'entrée-sortie du disque",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EISDIR: "c'est un dossier, pas un fichier",
    errno.EEXIST: "le fichier existe déjà",
    errno.ENOTEMPTY: "dossier non vide",
    errno.EXDEV: "déplacement impossible entre deux systèmes de fichiers",
    # A review's maps folder was a mount point: « (Device or resource busy) » in a French message.
    errno.EBUSY: "dossier ou fichier occupé (point de montage, ou ouvert par un autre programme)",
    errno.ETXTBSY: "fichier occupé (en cours d'exécution)",
    errno.EMFILE: "trop de fichiers ouverts par le programme",
    errno.ENAMETOOLONG: "nom de fichier trop long",
    errno.ELOOP: "trop de liens symboliques en chaîne",
}


def misplaced_folder(exc: OSError) -> str | None:
    """What stands where a folder was expected, when ``exc`` comes from that (else ``None``).

    ``mkdir`` fails with EEXIST on a data or maps folder that is a file or a symbolic link to a place
    that no longer exists (a moved or unmounted disk), and a path through a file fails with ENOTDIR:
    the machine's layout, not a bug of the program.
    """
    if exc.errno == errno.ENOTDIR:
        return OS_ERRORS_FR[errno.ENOTDIR]
    if exc.errno != errno.EEXIST or not exc.filename:
        return None
    path = Path(os.fsdecode(exc.filename))
    if path.is_symlink() and not path.exists():
        return f"lien symbolique vers un emplacement absent ({os.readlink(path)}) à la place d'un dossier"
    if path.exists() and not path.is_dir():
        return "un fichier occupe la place d'un dossier"
    return None


def french_os_error(exc: OSError) -> str:
    """A French description of ``exc`` (its errno), falling back on the system's own text."""
    misplaced = misplaced_folder(exc)
    if misplaced is not None:
        return misplaced
    if exc.errno in OS_ERRORS_FR:
        return OS_ERRORS_FR[exc.errno]
    return exc.strerror or str(exc)


#: French wording of the messages of Python's JSON parser (``json.JSONDecodeError.msg``), by their start: a review
#: read « GeoJSON illisible : Expecting value ».
JSON_ERRORS_FR = (
    ("Expecting value", "valeur attendue (le fichier n'est pas du JSON, ou une valeur manque)"),
    ("Expecting property name enclosed in double quotes", "nom de propriété entre guillemets droits attendu"),
    ("Expecting ':' delimiter", "« : » attendu après un nom de propriété"),
    ("Expecting ',' delimiter", "« , » attendue entre deux éléments"),
    ("Unterminated string", "texte entre guillemets non refermé"),
    ("Invalid control character", "caractère de contrôle dans un texte"),
    ("Invalid \\uXXXX escape", "séquence « \\u » invalide"),
    ("Invalid \\escape", "séquence d'échappement « \\ » invalide"),
    ("Extra data", "contenu en trop après la fin du JSON"),
    ("Illegal trailing comma", "virgule en trop avant une fin d'objet ou de liste"),
)


def french_json_error(exc: json.JSONDecodeError) -> str:
    """What is wrong with a JSON text, in French, with the column (the line goes with the file's name)."""
    what = next((french for english, french in JSON_ERRORS_FR if exc.msg.startswith(english)),
                "syntaxe JSON invalide")
    return f"{what} (colonne {exc.colno})"
