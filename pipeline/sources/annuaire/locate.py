"""Locate activity rows in the current geography: commune code, else postal code and place name.

Rules (one row of the extraction is one activity site):

1. **Commune code.** « Code commune (coord. structure) » mapped to the
   current commune through the COG history (``cog_mapping``): an old code
   lands in the commune that absorbed it, an arrondissement code in its city.
   A code that both the postal code and the place name contradict (a postal
   code typed as commune code) gives way to them when they name one commune,
   and is reported either way.
2. **Postal code.** When the commune code is missing or unknown, « Code
   postal (coord. structure) » names the commune if exactly one current
   commune has it. La Poste codes are shared by several communes (25300 by
   thirteen): the place name then chooses, compared with
   :func:`pipeline.geography.normalise_name` (« ST »/« STE » read as
   « saint »/« sainte », « CEDEX » and what follows ignored), among the
   candidates' current names and the names of the communes they absorbed.
   The name is « Libellé commune (coord. structure) », or, when that is
   empty, the locality of « Bureau cedex (coord. structure) »
   (``25300 DOUBS``), the La Poste delivery line of the same address.
   A CEDEX code that no commune has is tried by name within its département.
   No unique answer: the row stays unlocated (``ambigu`` or ``non
   localisé``) and is reported; it is never counted in two communes.
3. **Unit.** In Paris, Lyon and Marseille the unit is the arrondissement:
   the arrondissement commune code when the file gives one, else the one the
   postal code names (:func:`pipeline.geography.arrondissement_from_postcode`);
   when neither tells, the unit is the city and « arrondissement non
   déterminé » is reported. Elsewhere the unit is the commune.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.geography import (
    ARRONDISSEMENT_CITIES,
    INSEE_CODE,
    arrondissement_from_postcode,
    city_of_arrondissement,
    departement_of,
    normalise_insee_code,
    normalise_name,
    outside_the_load,
)
from pipeline.sources.annuaire.combos import combinations, spread
from pipeline.sources.annuaire.layout import OUTSIDE_THE_LOAD

_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_LEADING_POSTCODE = re.compile(r"^\s*\d{4,5}\s+")
#: An arrondissement as La Poste and the Annuaire write it (« MARSEILLE 8E », « MARSEILLE 08 », « PARIS 15EME »,
#: « LYON 3E ARRONDISSEMENT »): the city's key. A review: on a load of some départements, the 13008 of
#: « MARSEILLE 8E » named Marseille but the name did not, and the row was taken for one outside the load.
_ARRONDISSEMENT_NAME = re.compile(r"^(paris|lyon|marseille) 0?[1-9][0-9]? ?(?:er|e|eme|em|ieme|me)?"
                                  r"(?: arr(?:ondissement)?)?$")

#: Anomaly types raised by the localisation (see :mod:`pipeline.sources.annuaire.stage`).
COMMUNE_INCONNUE = "commune_inconnue"
#: A commune code of a département outside the load, or a postal code that may name one (a partial database).
HORS_CHARGEMENT = "hors_departements_charges"
CODE_POSTAL_AMBIGU = "code_postal_ambigu"
CODE_POSTAL_INCONNU = "code_postal_inconnu"
SANS_ADRESSE = "sans_adresse"
ARRONDISSEMENT_NON_DETERMINE = "arrondissement_non_determine"
#: A commune code that both the postal code and the place name of the same address contradict.
CODE_COMMUNE_CONTREDIT = "code_commune_contredit"


def place_key(text: object) -> str:
    """Comparison key of a place name as La Poste or the Annuaire writes it.

    >>> place_key("01012 BOURG EN BRESSE CEDEX 01"), place_key("Bourg-en-Bresse"), place_key("ST DENIS")
    ('bourg en bresse', 'bourg en bresse', 'saint denis')
    >>> place_key("MARSEILLE 08"), place_key("Paris 15e Arrondissement")
    ('marseille', 'paris')
    """
    if text is None or text is pd.NA:
        return ""
    return _text_key(str(text))


@functools.lru_cache(maxsize=1 << 18)
def _text_key(text: str) -> str:
    """:func:`place_key` of a string, remembered: the same 100 000 names come back at each extraction."""
    words = normalise_name(_LEADING_POSTCODE.sub("", text)).split()
    kept: list[str] = []
    for word in words:
        if word == "cedex":
            break
        kept.append(_ABBREVIATIONS.get(word, word))
    key = " ".join(kept)
    arrondissement = _ARRONDISSEMENT_NAME.match(key)
    return arrondissement.group(1) if arrondissement else key


def postcode(value: object) -> str | None:
    """Five-digit postal code, with a leading zero restored (``1300`` -> ``01300``); None otherwise."""
    if value is None or value is pd.NA:
        return None
    text = str(value).strip()
    if re.fullmatch(r"\d{4}", text):
        text = "0" + text
    return text if re.fullmatch(r"\d{5}", text) else None


def departements_of_postcode(code: str) -> list[str]:
    """Départements a postal code may belong to (20xxx: both Corsican ones; 97xxx: three digits)."""
    if code.startswith("20"):
        return ["2A", "2B"]
    if code.startswith(("97", "98")):
        return [code[:3]]
    return [code[:2]]


@dataclass(frozen=True)
class Issue:
    """Why a row is not (fully) located: anomaly ``type``, its ``code``, and the name seen."""

    type: str
    code: str
    name: str = ""


@dataclass
class Place:
    """Outcome of locating one (commune code, postal code, name, bureau) combination."""

    commune: str | None
    unite: str | None
    localisation: str
    issues: list[Issue] = field(default_factory=list)


@dataclass
class Gazetteer:
    """Current communes indexed by code, postal code and name (built once per staging)."""

    to_current: dict[str, str]
    by_postcode: dict[str, list[str]]
    names: dict[str, set[str]]
    by_departement_name: dict[tuple[str, str], list[str]]
    nom: dict[str, str]
    #: Départements a database was restricted to (``data --departements``); empty for all of France.
    loaded: frozenset[str] = frozenset()

    @property
    def partial(self) -> bool:
        """Whether the indexed communes are those of some départements only."""
        return bool(self.loaded)

    @classmethod
    def build(cls, units: pd.DataFrame, cog_mapping: pd.DataFrame, loaded: Collection[str] = ()) -> Gazetteer:
        """Index ``units`` (code, nom, type, parent, departement, codes_postaux) and ``cog_mapping``;
        ``loaded``: the départements a database was restricted to (empty: all of France)."""
        units = units.astype({"code": "string", "type": "string"})
        current = units[units["type"] == "commune-actuelle"]
        # Columns as Python lists before zipping: iterating Arrow-backed strings one by one is slow.
        codes = [str(c) for c in current["code"].tolist()]
        nom = dict(zip(codes, [str(n) for n in current["nom"].tolist()], strict=True))
        mapping = cog_mapping[cog_mapping["current_code"].notna()]
        to_current = dict(zip([str(c) for c in mapping["code"].tolist()],
                              [str(t) for t in mapping["current_code"].tolist()], strict=True))
        arrondissements = units[(units["type"] == "arrondissement-municipal") & units["parent"].notna()]
        to_current.update(zip([str(c) for c in arrondissements["code"].tolist()],
                              [str(p) for p in arrondissements["parent"].tolist()], strict=True))
        to_current.update({code: code for code in nom})
        by_postcode: dict[str, list[str]] = {}
        for code, postcodes in zip(codes, current["codes_postaux"].tolist(), strict=True):
            if isinstance(postcodes, str):
                for value in {p.strip() for p in postcodes.split(",") if p.strip()}:
                    by_postcode.setdefault(value, []).append(code)
        names: dict[str, set[str]] = {code: {place_key(n)} for code, n in nom.items()}
        if "nom" in cog_mapping.columns:
            for target, old_name in zip(mapping["current_code"].tolist(), mapping["nom"].tolist(), strict=True):
                if str(target) in names and isinstance(old_name, str) and old_name:
                    names[str(target)].add(place_key(old_name))
        departement = dict(zip(codes, [str(d) for d in current["departement"].tolist()], strict=True))
        by_departement_name: dict[tuple[str, str], list[str]] = {}
        for code, keys in names.items():
            for key in keys:
                by_departement_name.setdefault((departement.get(code, ""), key), []).append(code)
        return cls(to_current, {k: sorted(v) for k, v in by_postcode.items()}, names, by_departement_name, nom,
                   frozenset(loaded))

    def _by_postcode(self, code: str, key: str, seen: str,
                     inside: bool = False) -> tuple[str | None, str, Issue | None]:
        """``inside``: the row's own (unknown) commune code is of a loaded département."""
        candidates = self.by_postcode.get(code, [])
        if len(candidates) == 1 and self.partial and not inside and key not in self.names.get(candidates[0], set()):
            # Only the loaded communes are indexed: a code shared across a border (13780: Cuges-les-Pins in 13,
            # Riboux in 83) has one candidate here whatever the row's commune; only a matching name tells.
            return None, OUTSIDE_THE_LOAD, Issue(HORS_CHARGEMENT, code, seen)
        if len(candidates) == 1:
            return candidates[0], "code postal", None
        if candidates:
            matched = [c for c in candidates if key and key in self.names.get(c, set())]
            if len(matched) == 1:
                return matched[0], "code postal et libellé", None
            return None, "ambigu", Issue(CODE_POSTAL_AMBIGU, code, seen)
        # A CEDEX or unknown code: the place name within the département.
        matched = sorted({c for dep in departements_of_postcode(code)
                          for c in self.by_departement_name.get((dep, key), [])}) if key else []
        if len(matched) == 1:
            return matched[0], "code postal et libellé", None
        if self.partial and all(outside_the_load(dep, self.loaded) for dep in departements_of_postcode(code)):
            # A postal code of an unloaded département: located there on a national load, it shares its
            # practitioner's weight (a row with a postal code only is common: 6 of the sample's 13).
            return None, OUTSIDE_THE_LOAD, Issue(HORS_CHARGEMENT, code, seen)
        return None, "non localisé", Issue(CODE_POSTAL_INCONNU, code, seen)

    def _unless_contradicted(self, commune: str, code: str, postal: str | None, key: str, seen: str,
                             issues: list[Issue]) -> tuple[str, str]:
        """``commune``, found by its code, unless the postal code and the place name both name another one.

        A postal code typed in the commune column (« 13008 » with « 13008 MARSEILLE 08 »: 13008 is Aurons)
        is a valid commune code: only the rest of the address tells. When neither the postal code nor the name
        fits the coded commune, the postal code and the name place the row if they name one commune; else the
        code is kept. Either way the contradiction is reported (:data:`CODE_COMMUNE_CONTREDIT`).

        ``key`` is the commune name's (« Libellé commune »), never the CEDEX line's, and the postal code must be
        one a commune has: « 90015 BELFORT CEDEX » is the delivery office of a hospital coded in Trévenans, where
        it stands (a code review).
        """
        if postal is None or not key or postal not in self.by_postcode or commune in self.by_postcode[postal] \
                or key in self.names.get(commune, set()):
            return commune, "code commune"
        found, localisation, issue = self._by_postcode(postal, key, seen, inside=True)
        if found == commune:  # the name, read within the département, is an old name of the coded commune
            return commune, "code commune"
        issues.append(Issue(CODE_COMMUNE_CONTREDIT, code, seen))
        if found is None or issue is not None or key not in self.names.get(found, set()):
            return commune, "code commune"
        return found, localisation

    def locate(self, commune_source: object, code_postal: object, libelle: object, bureau: object) -> Place:
        """Locate one combination (see the module docstring for the rules)."""
        issues: list[Issue] = []
        code = None
        if isinstance(commune_source, str) and commune_source:
            code = normalise_insee_code(commune_source)[0] or commune_source
        postal = postcode(code_postal)
        key = place_key(libelle) or place_key(bureau)
        seen = next((v for v in (libelle, bureau) if isinstance(v, str) and v), "")
        commune: str | None = None
        localisation = "non localisé"
        # The département of an unknown code: outside the load, its postal code must not place it (a code shared
        # across a border, 13780 for Cuges-les-Pins in 13 and Riboux in 83, has one loaded candidate, the wrong
        # one); inside, the postal code's only loaded commune is the right one.
        own = departement_of(code) if code is not None and INSEE_CODE.match(code) else None
        beyond = outside_the_load(own, self.loaded)
        if code is not None:
            commune = self.to_current.get(code)
            if commune is not None:
                localisation = "code commune"
                commune, localisation = self._unless_contradicted(commune, code, postal, place_key(libelle), seen,
                                                                  issues)
            else:
                issues.append(Issue(HORS_CHARGEMENT if beyond else COMMUNE_INCONNUE, str(commune_source), seen))
                localisation = OUTSIDE_THE_LOAD if beyond else localisation
        if commune is None and postal is not None and not beyond:
            commune, localisation, issue = self._by_postcode(postal, key, seen, own in self.loaded)
            if issue is not None:
                issues.append(issue)
        elif commune is None and code is None:
            raw = code_postal if isinstance(code_postal, str) else ""
            issues.append(Issue(CODE_POSTAL_INCONNU, raw, seen) if raw else Issue(SANS_ADRESSE, "", seen))
        if commune is None:
            return Place(None, None, localisation, issues)
        unite = commune
        if commune in ARRONDISSEMENT_CITIES:
            if code is not None and city_of_arrondissement(code) == commune:
                unite = code
            else:
                unite = arrondissement_from_postcode(commune, postal) or commune
                if unite == commune:
                    issues.append(Issue(ARRONDISSEMENT_NON_DETERMINE, commune, seen))
        return Place(commune, unite, localisation, issues)


def locate_rows(frame: pd.DataFrame, gazetteer: Gazetteer) -> tuple[pd.DataFrame, list[tuple[Issue, int, int]]]:
    """Locate every row of ``frame`` (one computation per distinct address).

    Parameters
    ----------
    frame
        Columns ``ligne``, ``commune_source``, ``code_postal``,
        ``commune_libelle_source``, ``bureau_cedex``.

    Returns
    -------
    tuple
        A frame aligned on ``frame`` with ``localisation``, ``commune``,
        ``unite`` (categoricals), and the issues as ``(issue, rows, first line)``.
    """
    group, combos = combinations(frame, ("commune_source", "code_postal", "commune_libelle_source", "bureau_cedex"))
    places = [gazetteer.locate(*values) for values in combos.itertuples(index=False, name=None)]
    out = pd.DataFrame(
        {
            "localisation": spread([p.localisation for p in places], group),
            "commune": spread([p.commune for p in places], group),
            "unite": spread([p.unite for p in places], group),
        },
        index=frame.index,
    )
    counts = np.bincount(group, minlength=len(places))
    first_line = frame["ligne"].groupby(group).min().to_numpy()
    issues: list[tuple[Issue, int, int]] = []
    for index, place in enumerate(places):
        for issue in place.issues:
            issues.append((issue, int(counts[index]), int(first_line[index])))
    return out, issues
