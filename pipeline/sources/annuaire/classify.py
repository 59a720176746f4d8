"""Classify activity rows: Trame group, specialty, recours, exercise mode and setting.

Rules (nomenclatures in :mod:`pipeline.nomenclatures`):

* **Groupe** (rows of the Trame, seed 002): a médecin's group follows the
  ordinal specialty (TRE_R38); a pharmacien of section G of the roll is a
  « Biologiste »; other professions follow TRE_G15; unknown → « Autres ».
* **Recours of the profession** (seed 000): premier for médecins
  généralistes, direct-access specialists, chirurgiens-dentistes,
  sages-femmes, masseurs-kinésithérapeutes, infirmiers, pharmaciens; second
  for the other specialists and the biologistes; NA for professions the
  seed does not classify, and for médecins with no or an unknown specialty.
* **Recours of the activity**: premier recours requires « une pratique en
  ambulatoire et un exercice de manière libérale ou salarié en centre de
  santé » (seed 000, footnote). An activity is ambulatory when its setting
  is a cabinet or a centre de santé (or an officine, for pharmaciens), or its
  mode is libéral anywhere but in an établissement de santé (a libéral
  activity in a hospital or a clinic, « secteur privé » of a praticien
  hospitalier included, is not « une pratique en ambulatoire »; a libéral
  site without a secteur, or in permanence des soins ambulatoires, is). A
  salaried activity in a cabinet or a maison de santé is ambulatory too:
  the seed's « salarié en centre de santé » names the usual salaried form of
  the same ambulatory practice. A premier-recours profession is
  then ``premier`` when ambulatory, ``hors ambulatoire`` in a known other
  setting, and ``non renseigné`` when the setting is unknown (no or unknown
  secteur) and the mode is not libéral — shown as such, never moved to
  another class. Second recours stays ``second`` everywhere.
* **Mode**: TRE_R23 (``libéral``, ``salarié``, ``bénévole``); missing or
  unknown → ``non renseigné``. **Cadre**: TRE_R02 mapped to cabinet, centre
  de santé, établissement de santé, établissement médico-social, officine,
  autre; missing or unknown → ``non renseigné``.

Classification runs once per distinct combination of the inputs, then is
spread back over the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from pipeline import nomenclatures
from pipeline.sources.annuaire.combos import combinations, spread

RECOURS_NON_RENSEIGNE = "non renseigné"
MODE_NON_RENSEIGNE = "non renseigné"
MODE_BENEVOLE = "bénévole"
CADRE_NON_RENSEIGNE = "non renseigné"
LIBERAL = "libéral"
GROUPE_AUTRES = "Autres"
BIOLOGISTES = "Biologistes"

#: Staged columns the classification reads.
INPUTS: tuple[str, ...] = (
    "profession_code",
    "profession_libelle_source",
    "section_pharmaciens",
    "savoir_faire_code",
    "savoir_faire_libelle",
    "mode_code",
    "secteur_code",
    "secteur_libelle_source",
)

#: Columns the classification adds.
OUTPUTS: tuple[str, ...] = (
    "profession_libelle",
    "profession_connue",
    "groupe",
    "specialite_code",
    "specialite_libelle",
    "recours_profession",
    "recours",
    "acces_direct",
    "mode",
    "secteur_libelle",
    "cadre",
)


@dataclass(frozen=True)
class _Tables:
    """The nomenclatures as dictionaries keyed by code."""

    professions: dict[str, dict[str, str]]
    specialites: dict[str, dict[str, str]]
    modes: dict[str, str]
    secteurs: dict[str, dict[str, str]]


@cache
def _tables() -> _Tables:
    def by_code(table: pd.DataFrame) -> dict[str, dict[str, str]]:
        return {str(row["code"]): {k: str(v) for k, v in row.items()} for row in table.to_dict("records")}

    modes = nomenclatures.modes_exercice()
    return _Tables(
        professions=by_code(nomenclatures.professions()),
        specialites=by_code(nomenclatures.specialites()),
        modes={str(c): str(m) for c, m in zip(modes["code"], modes["mode"], strict=True)},
        secteurs=by_code(nomenclatures.secteurs_activite()),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def classify_one(
    profession: str | None,
    profession_label: str | None,
    section: str | None,
    savoir_faire: str | None,
    savoir_faire_label: str | None,
    mode_code: str | None,
    secteur: str | None,
    secteur_label: str | None,
) -> dict[str, object]:
    """Derived fields of one combination of inputs (see the module docstring)."""
    tables = _tables()
    prof = tables.professions.get(profession or "")
    medecin = profession == nomenclatures.CODE_MEDECIN
    pharmacien = profession == nomenclatures.CODE_PHARMACIEN
    biologiste = pharmacien and section == nomenclatures.SECTION_PHARMACIENS_BIOLOGISTES
    spec = tables.specialites.get(savoir_faire or "") if medecin else None
    if medecin:
        groupe = spec["groupe"] if spec is not None else GROUPE_AUTRES
        recours_profession = _text(spec["recours"]) if spec is not None else None
    elif biologiste:
        groupe, recours_profession = BIOLOGISTES, "second"
    elif prof is not None:
        groupe, recours_profession = prof["groupe"], _text(prof["recours"])
    else:
        groupe, recours_profession = GROUPE_AUTRES, None
    mode = tables.modes.get(mode_code or "", MODE_NON_RENSEIGNE)
    secteur_row = tables.secteurs.get(secteur or "")
    cadre = secteur_row["cadre"] if secteur_row is not None else CADRE_NON_RENSEIGNE
    ambulatoire = (
        (mode == LIBERAL and cadre != nomenclatures.CADRE_ETABLISSEMENT_SANTE)
        or cadre in nomenclatures.CADRES_AMBULATOIRES
        or (cadre == nomenclatures.CADRE_OFFICINE and profession == nomenclatures.CODE_PHARMACIEN)
    )
    recours = recours_profession
    if recours_profession == "premier" and not ambulatoire:
        recours = nomenclatures.RECOURS_HORS_AMBULATOIRE if secteur_row is not None else RECOURS_NON_RENSEIGNE
    return {
        "profession_libelle": prof["libelle"] if prof is not None else profession_label,
        "profession_connue": prof is not None,
        "groupe": groupe,
        "specialite_code": savoir_faire if medecin else None,
        "specialite_libelle": (spec["libelle"] if spec is not None else savoir_faire_label) if medecin else None,
        "recours_profession": recours_profession,
        "recours": recours,
        "acces_direct": _text(spec["acces_direct"]) if spec is not None else None,
        "mode": mode,
        "secteur_libelle": secteur_row["libelle"] if secteur_row is not None else secteur_label,
        "cadre": cadre,
    }


def classify_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Classification columns (:data:`OUTPUTS`, categoricals and a bool) for every row of ``frame`` (:data:`INPUTS`)."""
    group, combos = combinations(frame, INPUTS)
    derived = [classify_one(*values) for values in combos.itertuples(index=False, name=None)]
    out = pd.DataFrame(index=frame.index)
    for column in OUTPUTS:
        values = [d[column] for d in derived]
        if column == "profession_connue":
            out[column] = np.asarray(values, dtype=bool)[group] if values else np.zeros(0, dtype=bool)
        else:
            out[column] = spread(values, group)
    return out
