"""Anomalies of an Annuaire Santé staging: what was kept aside, guessed or left unknown, in French.

One row per (extraction, type, code), ``code`` being '' when not applicable,
with the number of rows, the first line, a French message and the file.
Nothing reported here is dropped silently: rows keep their place in the
staged frame (unlocated ones with no commune and no weight).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from pipeline import nomenclatures
from pipeline.sources.annuaire.classify import RECOURS_NON_RENSEIGNE
from pipeline.sources.annuaire.layout import ANOMALY_COLUMNS
from pipeline.sources.annuaire.locate import (
    ARRONDISSEMENT_NON_DETERMINE,
    CODE_COMMUNE_CONTREDIT,
    CODE_POSTAL_AMBIGU,
    CODE_POSTAL_INCONNU,
    COMMUNE_INCONNUE,
    HORS_CHARGEMENT,
    SANS_ADRESSE,
    Gazetteer,
    Issue,
)

_EXCLUDED = "non localisées, donc absentes des comptes par commune"
#: Anomaly of a line repeated exactly.
DUPLICATE = "activite_en_double"

MESSAGES: dict[str, str] = {
    "profession_inconnue": (
        "Code profession absent des nomenclatures TRE_G15/TRE_R95 : activités gardées dans « Autres »"
    ),
    "profession_non_renseignee": "Code profession vide : activités gardées dans « Autres »",
    "medecin_sans_specialite": "Médecin sans spécialité ordinale : compté dans « Autres », sans recours",
    "specialite_inconnue": (
        "Savoir-faire de médecin absent de TRE_R38 (codes SM) : compté dans « Autres », sans recours"
    ),
    "secteur_inconnu": "Code secteur d'activité absent de TRE_R02 : cadre d'exercice « non renseigné »",
    "mode_inconnu": "Code mode d'exercice absent de TRE_R23 : mode « non renseigné »",
    "recours_non_renseigne": (
        "Profession de premier recours exerçant hors mode libéral dans un cadre inconnu (secteur d'activité vide "
        "ou inconnu) : recours « non renseigné », ni premier recours ni hors ambulatoire"
    ),
    COMMUNE_INCONNUE: (
        "Code commune inconnu du COG : activités localisées par le code postal quand il désigne une seule "
        f"commune, sinon {_EXCLUDED}"
    ),
    SANS_ADRESSE: f"Activités sans adresse (ni code commune ni code postal) : {_EXCLUDED}",
    HORS_CHARGEMENT: (
        "Commune d'un département hors de ceux chargés dans la base (make data DEPARTEMENTS=…), ou code postal "
        f"qui peut en désigner une sans libellé de commune chargée concordant : activités {_EXCLUDED}"
    ),
    CODE_POSTAL_INCONNU: (
        "Code postal qu'aucune commune actuelle ne porte (CEDEX, étranger ou erroné), et libellé de commune "
        f"introuvable dans le département : activités {_EXCLUDED}"
    ),
    CODE_COMMUNE_CONTREDIT: (
        "Code commune que contredisent le code postal et le libellé de commune de la même adresse (un code postal "
        "saisi comme code commune, par exemple) : activités localisées par le code postal et le libellé quand ils "
        "désignent une seule commune, sinon par le code commune"
    ),
    ARRONDISSEMENT_NON_DETERMINE: (
        "Arrondissement non déterminé (ni code d'arrondissement ni code postal d'arrondissement, CEDEX par "
        "exemple) : activités comptées dans la ville, sans arrondissement"
    ),
    DUPLICATE: (
        "Ligne identique, octet pour octet, à une ligne précédente du fichier (même professionnel, même activité) : "
        "seule la première est gardée, les activités sont comptées sans les doublons"
    ),
    "date_extraction_deduite": (
        "Date d'extraction absente du nom du fichier (PS_LibreAcces_Personne_activite_AAAAMMJJhhmm.txt) : "
        "date de dernière modification du fichier utilisée"
    ),
}


def _row(extraction: date, kind: str, code: str, label: str | None, rows: int, first: int | None,
         message: str, fichier: str) -> dict[str, object]:
    return {"extraction": extraction, "type": kind, "code": code, "libelle": label, "nb_lignes": rows,
            "premiere_ligne": first, "message": message, "fichier": fichier}


def _grouped(frame: pd.DataFrame, mask: pd.Series, kind: str, code_column: str | None, label_column: str | None,
             extraction: date, fichier: str) -> list[dict[str, object]]:
    sub = frame[mask.fillna(False).astype(bool)]
    if sub.empty:
        return []
    keys = sub[code_column].astype("string").fillna("") if code_column else pd.Series("", index=sub.index)
    rows = []
    for code, group in sub.groupby(keys, sort=True):
        label = None
        if label_column is not None:
            labels = group[label_column].dropna()
            label = str(labels.iloc[0]) if len(labels) else None
        rows.append(_row(extraction, kind, str(code), label, len(group), int(group["ligne"].min()), MESSAGES[kind],
                         fichier))
    return rows


def classification_anomalies(frame: pd.DataFrame, extraction: date, fichier: str) -> list[dict[str, object]]:
    """Unknown professions, specialties, sectors and modes; médecins without specialty; unknown settings."""
    medecin = frame["profession_code"] == nomenclatures.CODE_MEDECIN
    secteurs = set(nomenclatures.secteurs_activite()["code"])
    modes = set(nomenclatures.modes_exercice()["code"])
    rows: list[dict[str, object]] = []
    rows += _grouped(frame, ~frame["profession_connue"] & frame["profession_code"].notna(), "profession_inconnue",
                     "profession_code", "profession_libelle", extraction, fichier)
    rows += _grouped(frame, frame["profession_code"].isna(), "profession_non_renseignee", None, None,
                     extraction, fichier)
    rows += _grouped(frame, medecin & frame["savoir_faire_code"].isna(), "medecin_sans_specialite", None, None,
                     extraction, fichier)
    rows += _grouped(frame, medecin & frame["savoir_faire_code"].notna() & frame["recours_profession"].isna(),
                     "specialite_inconnue", "savoir_faire_code", "savoir_faire_libelle", extraction, fichier)
    rows += _grouped(frame, frame["secteur_code"].notna() & ~frame["secteur_code"].isin(secteurs),
                     "secteur_inconnu", "secteur_code", "secteur_libelle", extraction, fichier)
    rows += _grouped(frame, frame["mode_code"].notna() & ~frame["mode_code"].isin(modes), "mode_inconnu",
                     "mode_code", None, extraction, fichier)
    rows += _grouped(frame, frame["recours"] == RECOURS_NON_RENSEIGNE, "recours_non_renseigne", None, None,
                     extraction, fichier)
    return rows


def duplicate_anomalies(frame: pd.DataFrame, repeated: pd.Series, extraction: date,
                        fichier: str) -> list[dict[str, object]]:
    """One row per practitioner (code: their identifier) with lines repeating an earlier line exactly."""
    return _grouped(frame, repeated, DUPLICATE, "rpps", None, extraction, fichier)


def _examples(values: Iterable[str], limit: int = 3) -> str:
    shown = [v for v in values if v][:limit]
    return ", ".join(f"« {v} »" for v in shown)


@dataclass
class _Tally:
    rows: int = 0
    first: int = 0
    names: list[str] = field(default_factory=list)


def location_anomalies(issues: list[tuple[Issue, int, int]], gazetteer: Gazetteer, extraction: date,
                       fichier: str) -> list[dict[str, object]]:
    """One row per (type, code) of the localisation issues, with counts, first line and examples."""
    merged: dict[tuple[str, str], _Tally] = {}
    for issue, count, first in issues:
        tally = merged.setdefault((issue.type, issue.code), _Tally(first=first))
        tally.rows += count
        tally.first = min(tally.first, first)
        if issue.name and issue.name not in tally.names:
            tally.names.append(issue.name)
    rows = []
    for (kind, code), tally in sorted(merged.items()):
        message = MESSAGES.get(kind, "")
        if kind == CODE_POSTAL_AMBIGU:
            candidates = [gazetteer.nom.get(c, c) for c in gazetteer.by_postcode.get(code, [])]
            listed = ", ".join(candidates[:5]) + ("…" if len(candidates) > 5 else "")
            seen = f" ; libellés lus : {_examples(tally.names)}" if tally.names else " ; aucun libellé de commune"
            message = (f"Code postal commun à {len(candidates)} communes ({listed}) que le libellé ne départage "
                       f"pas{seen} : activités {_EXCLUDED}")
        elif kind == ARRONDISSEMENT_NON_DETERMINE:
            message = f"{message} ({gazetteer.nom.get(code, code)})"
        elif kind == CODE_COMMUNE_CONTREDIT:
            coded = gazetteer.to_current.get(code, code)
            message = (f"{message} ; le code {code} désigne {gazetteer.nom.get(coded, coded)}, libellés lus : "
                       f"{_examples(tally.names)}")
        elif tally.names:
            message = f"{message} ; libellés lus : {_examples(tally.names)}"
        label = tally.names[0] if tally.names else None
        rows.append(_row(extraction, kind, code, label, tally.rows, tally.first, message, fichier))
    return rows


def anomalies_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """The anomaly rows as a frame with the declared dtypes (:data:`ANOMALY_COLUMNS`), sorted by type and code."""
    frame = pd.DataFrame(rows, columns=list(ANOMALY_COLUMNS))
    frame = frame.sort_values(["type", "code"], kind="stable").reset_index(drop=True)
    return frame.astype(ANOMALY_COLUMNS)
