"""The kinds of a CPTS listing's anomalies in French, and the lines ``make data`` prints for a loaded listing."""

from __future__ import annotations

import pandas as pd

from pipeline.render.report import format_number
from pipeline.sources.cpts_listing import OUT_OF_SCOPE

#: French names of the kinds of listing anomalies (``cpts_anomalies.kind``).
ANOMALY_LABELS = {"hors_departements_charges": "hors des départements chargés",
                  "homonyme_probable": "homonyme probable", "code_invalide": "code invalide",
                  "code_zero_restaure": "code réécrit par un tableur", "code_inconnu": "code inconnu",
                  "code_ancien": "ancien code", "code_sans_correspondance": "code sans commune actuelle",
                  "commune_a_arrondissements": "commune découpée en arrondissements",
                  "doublon": "unité revendiquée deux fois par la même CPTS",
                  "identifiant_incoherent": "identifiant incohérent",
                  "multi_departements": "plusieurs départements", "multi_regions": "plusieurs régions",
                  "nom_proche": "nom proche d'une autre CPTS", "nom_suspect": "nom suspect",
                  "hors_france": "hors de France", "coordonnees_inversees": "coordonnées inversées",
                  "note_crs": "système de coordonnées", "perimetre_sans_unite": "périmètre sans commune",
                  "entites_reunies": "entités réunies", "regle_du_point": "limite à vérifier",
                  "code_postal_probable": "code postal probable",
                  "nom_commune_different": "nom d'une autre commune que le code",
                  "colonnes_non_lues": "colonnes non lues", "statut_incoherent": "statut ou date incohérents"}
#: Anomalies of a loaded listing printed one per line by ``make data`` (the others are counted).
SHOWN = 15


#: What the last line of :func:`anomaly_lines` says of the anomalies not shown, for a loaded listing.
WHERE_THE_OTHERS_ARE = ("chaque diagnostic de CPTS donne les siennes (section « Chevauchements et voisins », "
                        "anomalies_liste de summary.json)")


def anomaly_lines(issues: pd.DataFrame, shown: int = SHOWN, others: str = WHERE_THE_OTHERS_ARE) -> list[str]:
    """The first ``shown`` anomalies of a listing (``cpts_anomalies`` rows), one French line each: line of the
    file, CPTS, kind, detail, then « … et N autres : ``others`` ». Its counts alone did not say which rows to fix.
    Communes in départements not loaded are counted only: a load of some départements gives hundreds, which are
    no error of the file.
    """
    own = issues[issues["kind"] != OUT_OF_SCOPE]
    lines = []
    for row in own.head(shown).itertuples(index=False):
        where = [f"ligne {int(row.line)}"] if pd.notna(row.line) else []
        where += [f"« {row.cpts} »"] if isinstance(row.cpts, str) and row.cpts else []
        lines.append(f"{', '.join(where) or 'liste'} — {ANOMALY_LABELS.get(str(row.kind), str(row.kind))} : "
                     f"{row.detail_fr}")
    if len(own) > shown:
        rest = len(own) - shown
        lines.append(f"… et {format_number(rest)} autre{'s' if rest > 1 else ''}" + (f" : {others}" if others else ""))
    return lines
