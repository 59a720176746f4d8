"""One dataset of the data.gouv.fr catalogue API, asked again while busy; its failures as French errors."""

from __future__ import annotations

from typing import Any

import requests

from pipeline.errors import SourceUnavailableError
from pipeline.sources import download as download_module
from pipeline.sources import transfer
from pipeline.sources.download import TIMEOUT
from pipeline.sources.request_errors import (
    ADDRESS_ERRORS,
    GIVE_THE_EXTRACTION,
    REDIRECTED_ELSEWHERE,
    http_status_message,
    invalid_address,
    is_http_address,
    request_error_fr,
)
from pipeline.sources.transfer import (
    TRANSIENT_STATUSES,
    announce_retry,
    retry_after_seconds,
    retry_wait,
    transient_message,
)


def get_dataset(dataset: str, api_base: str, http: requests.Session) -> dict[str, Any]:
    url = f"{api_base.rstrip('/')}/datasets/{dataset}/"
    attempt = 1
    response = get_json(url, http)
    while response.status_code in TRANSIENT_STATUSES:  # a busy catalogue is asked again, as files are
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        wait = retry_wait(retry_after, attempt)
        if wait is None:
            raise SourceUnavailableError(transient_message(response.status_code, retry_after, url, attempt,
                                                           "Le catalogue"), url)
        announce_retry(response.status_code, url, wait, attempt, "Le catalogue")
        download_module.wait(wait)
        attempt += 1
        response = get_json(url, http)
    if response.status_code == 404:
        raise SourceUnavailableError(f"Jeu de données « {dataset} » introuvable dans le catalogue ({url}) : relancez "
                                     f"plus tard ; si l'erreur persiste, {GIVE_THE_EXTRACTION}", url)
    if response.status_code >= 400:
        raise SourceUnavailableError(
            http_status_message(response.status_code, url, "Le catalogue", GIVE_THE_EXTRACTION), url)
    try:
        body = response.json()
    except ValueError:
        raise SourceUnavailableError(f"Réponse du catalogue illisible : JSON attendu ({url})", url) from None
    if not isinstance(body, dict) or not isinstance(body.get("resources"), list):
        raise SourceUnavailableError(f"Réponse du catalogue inattendue : pas de liste « resources » ({url})", url)
    return body


def get_json(url: str, http: requests.Session) -> requests.Response:
    """One GET of the catalogue API; the network failures as French errors."""
    try:
        return transfer.within_small_answer_time(
            lambda: http.get(url, timeout=TIMEOUT, headers={"Accept": "application/json"}), url)
    except requests.exceptions.ConnectionError as exc:
        advice = GIVE_THE_EXTRACTION[0].upper() + GIVE_THE_EXTRACTION[1:]
        said = f"Catalogue injoignable ({url}) : pas de connexion réseau ? {advice}"
        raise SourceUnavailableError(said, url) from exc
    except requests.exceptions.Timeout as exc:
        raise SourceUnavailableError(f"Catalogue injoignable ({url}) : délai dépassé, le serveur ne répond pas (ou "
                                     f"pas en entier en {transfer.SMALL_ANSWER_S:.0f} s)", url) from exc
    except requests.exceptions.TooManyRedirects as exc:
        raise SourceUnavailableError(f"Catalogue injoignable ({url}) : trop de redirections", url) from exc
    except ADDRESS_ERRORS as exc:  # a redirect of the catalogue elsewhere, or the user's setting
        said = f"Catalogue injoignable ({url}) : {REDIRECTED_ELSEWHERE}" if is_http_address(url) \
            else invalid_address(url)
        raise SourceUnavailableError(said, url) from exc
    except requests.exceptions.RequestException as exc:
        raise SourceUnavailableError(f"Catalogue injoignable ({url}) : {request_error_fr(exc)}", url) from exc
