"""One HTTP transfer of a publisher's file into a ``.part`` file, and the checks before it is kept.

:func:`transfer` streams the bytes as sent (resuming a partial file with an HTTP range, undoing a compression the
server applied anyway), stops a transfer without end or too slow to finish, and turns every failure into a
French :class:`~pipeline.errors.SourceUnavailableError`; :func:`pipeline.sources.received.check_content` refuses a
web page or an archive that does not read to its end. :mod:`pipeline.sources.download` is the downloader built on
them.
"""

from __future__ import annotations

import contextlib
import datetime
import email.utils
import gzip
import os
import re
import shutil
import socket
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import requests
import urllib3

from pipeline.errors import InvalidAddressError, SourceUnavailableError
from pipeline.sources.request_errors import (
    ADDRESS_ERRORS,
    REDIRECTED_ELSEWHERE,
    http_status_message,
    invalid_address,
    is_http_address,
    request_error_fr,
)

T = TypeVar("T")
CHUNK = 1 << 18
TIMEOUT = (10, 60)  # connect, read (seconds)
#: Largest file downloaded: far above any publisher's (the Annuaire Santé's archive is a few hundred MB); a
#: server sending without end would otherwise fill the disk (a review saved 98 MB of noise as a tarball).
MAX_DOWNLOAD_BYTES = 8 << 30
#: Slowest transfer kept going, after its first :data:`SLOW_AFTER_S` seconds (bytes per second): a server
#: trickling a byte every 20 s held the database's write lock for ever (a review).
MIN_RATE = 1024
SLOW_AFTER_S = 120.0
WATCH_EVERY_S = 1.0


#: Longest wait for a small answer read whole (the catalogue API's, the npm registry's metadata): a working server
#: sends those few kilobytes at once, and one trickling them a byte every 20 s never reaches the read timeout (a
#: review: the load held the database's write lock for ever).
SMALL_ANSWER_S = 120.0


def within_small_answer_time(call: Callable[[], T], url: str) -> T:
    """``call()`` (a request of ``url`` read whole) given at most :data:`SMALL_ANSWER_S`; past them, it is left to
    its daemon thread and :class:`requests.exceptions.Timeout` is raised."""
    seconds = SMALL_ANSWER_S
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the caller's thread as it is
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise requests.exceptions.Timeout(f"{url} : réponse incomplète après {seconds:.0f} s")
    if "error" in outcome:
        raise outcome["error"]
    return cast("T", outcome["value"])


class HTTPStatusError(SourceUnavailableError):
    """The server answered an HTTP error status (``status``), e.g. 404 for a file not published;
    ``retry_after``: the seconds its ``Retry-After`` header asks to wait (None when absent or unreadable)."""

    def __init__(self, message: str, path: str | Path | None, status: int, retry_after: float | None = None) -> None:
        super().__init__(message, path)
        self.status = status
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: datetime.datetime | None = None) -> float | None:
    """Seconds asked by a ``Retry-After`` header: a number of seconds or an HTTP date (RFC 9110 §10.2.3).

    >>> retry_after_seconds("120"), retry_after_seconds(None), retry_after_seconds("bientôt")
    (120.0, None, None)
    >>> retry_after_seconds("Sun, 06 Dec 2026 08:00:30 GMT", datetime.datetime(2026, 12, 6, 8, 0, tzinfo=datetime.UTC))
    30.0
    """
    if value is None:
        return None
    text = value.strip()
    if re.fullmatch(r"[0-9]+", text):  # ASCII digits only: « ² » is a digit to str.isdigit, not to float
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - (now or datetime.datetime.now(datetime.UTC))).total_seconds())


#: Statuses of a passing overload or maintenance (too many requests, bad gateway, unavailable, gateway timeout):
#: the request is made again, after the wait the server asks (``Retry-After``) or 1 s then 2 s.
TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})
ATTEMPTS = 3
#: Longest wait a server may ask for within a run; a longer one ends the run with a « relancez plus tard ».
MAX_RETRY_WAIT_S = 60.0


def retry_wait(retry_after: float | None, attempt: int) -> float | None:
    """Seconds to wait before trying again after attempt number ``attempt`` got a transient status; None: stop.

    >>> retry_wait(None, 1), retry_wait(None, 2), retry_wait(None, 3), retry_wait(5.0, 1), retry_wait(3600.0, 1)
    (1.0, 2.0, None, 5.0, None)
    """
    wait = retry_after if retry_after is not None else 2.0 ** (attempt - 1)
    return None if attempt >= ATTEMPTS or wait > MAX_RETRY_WAIT_S else wait


def announce_retry(status: int, url: str, pause: float, attempt: int, who: str = "Le serveur") -> None:
    """Say on stderr (unless ``CPTS_QUIET``) that a busy server is asked again in ``pause`` seconds: a run that
    waits up to a minute without a word looks hung (a review)."""
    if os.environ.get("CPTS_QUIET"):
        return
    print(f"{who} a répondu {status} (surcharge ou maintenance) pour {url} : nouvel essai dans {pause:.0f} s "
          f"(essai {attempt + 1} sur {ATTEMPTS})", file=sys.stderr, flush=True)


def transient_message(status: int, retry_after: float | None, url: str, attempts: int,
                      who: str = "Le serveur") -> str:
    """The French message of a server (``who``) still busy when :func:`retry_wait` says to stop."""
    if retry_after is not None and retry_after > MAX_RETRY_WAIT_S:
        return (f"{who} a répondu {status} pour {url} et demande d'attendre {retry_after:.0f} s (Retry-After) : "
                "relancez plus tard")
    return (f"{who} a répondu {status} pour {url} après {attempts} essai{'s' if attempts > 1 else ''} "
            "(surcharge ou maintenance) : relancez plus tard")


class StalePart(Exception):
    """The server refused to resume: the partial file does not match what it serves."""


def validator_file(part: Path) -> Path:
    """Where the validator of a ``.part`` file's first response is kept (its ETag or Last-Modified)."""
    return part.with_name(part.name + ".validateur")


def discard(part: Path) -> None:
    """Delete a partial file and the validator kept beside it."""
    part.unlink(missing_ok=True)
    validator_file(part).unlink(missing_ok=True)


def _validator(response: requests.Response) -> str | None:
    """What identifies the version served: a strong ETag, else Last-Modified (RFC 9110 §13.1.5: a weak ETag may
    not be sent in If-Range)."""
    etag = (response.headers.get("ETag") or "").strip()
    if etag and not etag.startswith("W/"):
        return etag
    return (response.headers.get("Last-Modified") or "").strip() or None


def _kept_validator(part: Path) -> str | None:
    try:
        return validator_file(part).read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None  # a part left by an older version of the tool: resumed without If-Range, as it was


def _keep_validator(part: Path, value: str | None) -> None:
    if value is None:
        validator_file(part).unlink(missing_ok=True)
    else:
        validator_file(part).write_text(value, encoding="utf-8")


def transfer(http: requests.Session, url: str, part: Path, dest: Path) -> str | None:
    """Append the rest of ``url`` to ``part`` (all of it when ``part`` is absent); return the Content-Type.

    ``Accept-Encoding: identity`` asks for the file's own bytes; a server that compresses anyway is read as it
    sends (its bytes are those ``Content-Length`` and ranges count), then undone (:func:`_undo_gzip`): a review
    got « tronqué » at every run, the decoded file measured against the compressed length.

    A resumption sends ``If-Range`` with the validator (ETag or Last-Modified) of the response that began the
    ``.part``, kept beside it: a file changed on the server since is then sent whole, from zero, instead of its
    end being joined to the old beginning (a review). A 206 whose validator differs from the kept one (a server
    ignoring If-Range) is refused as :class:`StalePart`.
    """
    offset = part.stat().st_size if part.exists() else 0
    headers = {"Accept-Encoding": "identity"}
    kept = _kept_validator(part) if offset else None
    if offset:
        headers["Range"] = f"bytes={offset}-"
        if kept is not None:
            headers["If-Range"] = kept
    watchdog: _Watchdog | None = None
    encoding = "identity"
    try:
        with http.get(url, stream=True, timeout=TIMEOUT, headers=headers) as response:
            if response.status_code == 416:
                total = response.headers.get("Content-Range", "").rpartition("/")[2]
                if total.isdigit() and int(total) == offset:
                    return None  # the partial file is already complete
                raise StalePart()
            if response.status_code >= 400:
                # The publisher's answer, not the local file (a review read « (fichier …) » of a file never made),
                # with what to do (a review: no « relancez plus tard » on a 404 or a 500).
                raise HTTPStatusError(http_status_message(response.status_code, url), None, response.status_code,
                                      retry_after_seconds(response.headers.get("Retry-After")))
            resumed = offset > 0 and response.status_code == 206
            given_range = response.headers.get("Content-Range")
            if resumed and given_range is not None and not given_range.startswith(f"bytes {offset}-"):
                raise StalePart()  # a range other than the one asked: appending it would corrupt the file
            served = _validator(response)
            if resumed and kept is not None and served is not None and served != kept:
                raise StalePart()  # another version of the file, though If-Range asked for the old one only
            if not resumed:
                _keep_validator(part, served)
            encoding = response.headers.get("Content-Encoding", "identity").strip().lower() or "identity"
            if encoding not in ("identity", "gzip", "x-gzip"):
                raise SourceUnavailableError(f"Téléchargement impossible depuis {url} : le serveur compresse le "
                                             f"fichier (« {encoding} ») malgré la demande", dest)
            expected_len = response.headers.get("Content-Length")
            watchdog = _Watchdog(response)
            with open(part, "ab" if resumed else "wb") as handle, watchdog:
                for block in _raw_blocks(response):
                    handle.write(block)
                    watchdog.written += len(block)
                    if offset + watchdog.written > MAX_DOWNLOAD_BYTES:
                        raise _TooLarge()
            if watchdog.too_slow:  # closed by the watchdog as the transfer ended
                raise _too_slow(url, part)
            if expected_len is not None and expected_len.isdigit() and watchdog.written != int(expected_len):
                _forget_compressed(part, encoding)
                raise SourceUnavailableError(
                    f"Téléchargement tronqué : {watchdog.written} octets reçus sur {expected_len} attendus "
                    f"depuis {url} ; relancez pour reprendre",
                    part,
                )
        if encoding != "identity":
            _undo_gzip(part, dest, url)
        return response.headers.get("Content-Type")
    except _TooLarge:
        discard(part)
        raise SourceUnavailableError(f"Téléchargement arrêté : {url} dépasse {MAX_DOWNLOAD_BYTES >> 30} Go, bien "
                                     "plus que le fichier attendu ; le fichier partiel a été supprimé", part) from None
    except requests.exceptions.ConnectionError as exc:
        raise SourceUnavailableError(
            f"Impossible de joindre {url} : pas de connexion réseau ? Définissez CPTS_DATA_MIRROR "
            "pour lire un miroir local des données.",
            dest,
        ) from exc
    except requests.exceptions.Timeout as exc:
        raise SourceUnavailableError(f"Délai dépassé en téléchargeant {url} (le serveur ne répond plus) ; "
                                     "relancez pour reprendre", dest) from exc
    except requests.exceptions.ChunkedEncodingError as exc:
        _forget_compressed(part, encoding)
        if watchdog is not None and watchdog.too_slow:
            raise _too_slow(url, part) from exc
        raise SourceUnavailableError(
            f"Téléchargement tronqué : connexion interrompue pendant {url} ; relancez pour reprendre", part
        ) from exc
    except requests.exceptions.TooManyRedirects as exc:
        raise SourceUnavailableError(f"Téléchargement impossible depuis {url} : trop de redirections", dest) from exc
    except ADDRESS_ERRORS as exc:  # the user's setting (CPTS_CONTOURS_URL…), unless the server redirected there
        if is_http_address(url):  # a review: a redirect to ftp:// was blamed on the user's settings
            raise SourceUnavailableError(f"Téléchargement impossible depuis {url} : {REDIRECTED_ELSEWHERE}",
                                         None) from exc
        raise InvalidAddressError(invalid_address(url), None) from exc
    except requests.exceptions.RequestException as exc:  # SSL...
        raise SourceUnavailableError(f"Téléchargement impossible depuis {url} : {request_error_fr(exc)}",
                                     dest) from exc


def _forget_compressed(part: Path, encoding: str) -> None:
    """A cut transfer the server compressed is started again, not resumed: the next run, without compression,
    appended plain bytes to compressed ones (a review)."""
    if encoding != "identity":
        discard(part)


class _TooLarge(Exception):
    """The transfer passed :data:`MAX_DOWNLOAD_BYTES`."""


def _raw_blocks(response: requests.Response) -> Iterator[bytes]:
    """The body's bytes as sent (not decoded), the transport's errors as requests' own."""
    try:
        yield from response.raw.stream(CHUNK, decode_content=False)
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ReadTimeout(exc) from exc
    except (urllib3.exceptions.HTTPError, OSError, ValueError, AttributeError) as exc:
        # a connection cut, or one the watchdog closed mid-read
        raise requests.exceptions.ChunkedEncodingError(exc) from exc


class _Watchdog:
    """Closes a transfer too slow to finish: below :data:`MIN_RATE` after :data:`SLOW_AFTER_S` seconds.

    A read waits for a whole block, and a server trickling a byte every 20 s never reaches the read timeout: the
    run held the database's write lock for ever (a review). Checked every :data:`WATCH_EVERY_S` seconds, in a
    thread, which closes the response: the blocked read then fails.
    """

    def __init__(self, response: requests.Response) -> None:
        self.response, self.written, self.too_slow = response, 0, False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._start = time.monotonic()

    def _watch(self) -> None:
        while not self._stop.wait(WATCH_EVERY_S):
            elapsed = time.monotonic() - self._start
            if elapsed > SLOW_AFTER_S and self.written / elapsed < MIN_RATE:
                self.too_slow = True
                # Closing from this thread does not wake the read blocked in the other: the socket is shut down.
                sock = _socket_of(self.response)
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                self.response.close()
                return

    def __enter__(self) -> _Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _socket_of(response: requests.Response) -> socket.socket | None:
    """The socket a streamed response reads from (urllib3 leaves it to http.client's reader), or None."""
    for candidate in (getattr(getattr(response.raw, "connection", None), "sock", None),
                      getattr(getattr(getattr(getattr(response.raw, "_fp", None), "fp", None), "raw", None),
                              "_sock", None)):
        if isinstance(candidate, socket.socket):
            return candidate
    return None


def _too_slow(url: str, part: Path) -> SourceUnavailableError:
    return SourceUnavailableError(f"Téléchargement arrêté : {url} arrive à moins de {MIN_RATE // 1024} Ko/s depuis "
                                  f"plus de {SLOW_AFTER_S:.0f} s ; relancez plus tard pour reprendre", part)


def _undo_gzip(part: Path, dest: Path, url: str) -> None:
    """The file under a server's compression: a ``.gz``/``.tgz`` sent as it is, labelled « gzip », is kept; any
    other file (or a ``.gz`` compressed again) is decompressed once."""
    try:
        with gzip.open(part) as stream:
            head = stream.read(2)
        if dest.name.lower().endswith((".gz", ".tgz")) and head != b"\x1f\x8b":
            return  # the server labelled the archive's own compression
        plain = part.with_name(part.name + ".plain")
        with gzip.open(part) as stream, open(plain, "wb") as out:
            shutil.copyfileobj(stream, out, CHUNK)
        plain.replace(part)
    except (OSError, EOFError, zlib.error) as exc:
        discard(part)
        raise SourceUnavailableError(f"Téléchargement de {url} refusé : contenu compressé illisible ; le fichier a "
                                     "été supprimé, relancez plus tard", dest) from exc
