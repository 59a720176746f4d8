"""French words for the failures of a request to a publisher: HTTP error statuses, addresses that cannot be one
(the user's setting) or that a server redirected to, and the other errors of ``requests``."""

from __future__ import annotations

import urllib.parse

import requests

#: What to do when a file of the mirror's sources cannot be downloaded.
READ_A_MIRROR = "un miroir local des données se lit avec CPTS_DATA_MIRROR"
#: What to do when the catalogue (Annuaire Santé, FINESS: files the mirror does not hold) cannot be read (a review
#: was told to read a mirror).
GIVE_THE_EXTRACTION = ("téléchargez l'extraction vous-même et donnez-la : make data REGISTRY=… FINESS=… "
                       "(ou CPTS_REGISTRY, CPTS_FINESS)")


def http_status_message(status: int, url: str, who: str = "Le serveur", advice: str = READ_A_MIRROR) -> str:
    """The French error of an HTTP error status of a publisher's server (``who``), what it means and what to do."""
    meaning = {404: "fichier introuvable à cette adresse", 410: "fichier retiré", 401: "accès refusé",
               403: "accès refusé"}.get(status, "erreur du serveur" if status >= 500 else "requête refusée")
    return (f"{who} a répondu {status} ({meaning}) pour {url} : relancez plus tard ; si l'erreur persiste, le "
            f"fichier a pu changer d'adresse chez l'éditeur ({advice})")


#: requests' errors of an address that cannot be one (no « http:// », another scheme, no host).
ADDRESS_ERRORS = (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema,
                   requests.exceptions.InvalidURL, requests.exceptions.URLRequired)


#: Why an http(s) address could not be fetched when requests refuses the address it was sent to: a redirect.
REDIRECTED_ELSEWHERE = "le serveur redirige vers une adresse qui n'est pas http(s) ; relancez plus tard"


def is_http_address(url: str) -> bool:
    """Whether ``url`` is an http(s) address with a host, as written."""
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def invalid_address(url: str) -> str:
    """The French error of an address that cannot be fetched as written (a review: « MissingSchema », exit 1, for
    a setting without « http:// »)."""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    expected = (f"le nom du serveur manque après « {scheme}:// »" if scheme in ("http", "https")
                else "une adresse http:// ou https:// est attendue")
    return (f"Adresse de téléchargement invalide : « {url} » ({expected}) ; "
            "vérifiez les variables CPTS_CATALOGUE_API, CPTS_CONTOURS_URL, CPTS_NPM_REGISTRY et CPTS_FILOSOFI_URL")


def request_error_fr(exc: requests.exceptions.RequestException) -> str:
    """French words for a request's failure, with requests' name for the curious."""
    if isinstance(exc, requests.exceptions.SSLError):
        return "échec de la connexion sécurisée (certificat SSL) ; relancez plus tard"
    return f"erreur de la requête ({type(exc).__name__}) ; relancez plus tard"
