"""ACI rules for CPTS: size band (taille), funding table, mission calendar.

The size bands come from the ACI of 20 June 2019 as quoted in the seeds
(« Taille 1 (moins de 40 000 habitants), Taille 2 (entre 40 000 et 80 000
habitants), Taille 3 (entre 80 000 et 175 000), Taille 4 (plus de 175 000) »).
« Moins de 40 000 » and « plus de 175 000 » are strict: a population of
exactly 40 000 is taille 2 (DESIGN), of exactly 175 000 taille 3 (« entre
80 000 et 175 000 », the funding table's « De 80 à 175 000 habitants »);
80 000, shared by « entre 40 000 et 80 000 » and « entre 80 000 et
175 000 », is taille 3, as 40 000 is taille 2 (each band from its lower
bound). Populations are whole numbers of inhabitants, so taille 4 starts at
175 001. The Trame (seed 002) adds « Taille 4++ : Taille 4 avec plus de 100
PS ».

Amounts and deadlines are versioned tables in ``pipeline/data``
(``aci_financement.csv``, ``aci_calendrier.csv``) rather than literals, since
later avenants changed them. Each row names the text that introduced it
(``texte``); a *version* of the ACI is a sequence of texts
(:data:`VERSIONS`), a later text's row replacing an earlier one for the same
mission (and, for funding, the same taille and volet):

* ``ACI-2019``: the accord of 20 June 2019 as the seeds give it: five
  missions (seed ``000``, « Tableau récapitulatif du calendrier de
  déploiement des missions »), amounts of seed ``001``;
* ``ACI-2019-avenant-2`` (default): plus the mission socle « réponse aux
  crises sanitaires graves » added by avenant 2 (signed December 2021), with
  the deadlines of seed ``002`` (6 months / 18 months). No source of the
  project gives its amount: it is NA (« montant non renseigné dans les
  sources du projet »), never an invented figure, and the totals that would
  include it are NA too (:func:`funding_totals` also gives the known part).
  The other amounts are those of the 2019 table (seed ``001``): later
  changes are not in the project's sources.
"""

from __future__ import annotations

import calendar
from datetime import MAXYEAR, MINYEAR, date
from functools import cache
from typing import Any

import pandas as pd

from pipeline.config import PACKAGE_DATA
from pipeline.errors import PipelineError

#: Lower bounds (inclusive, in whole inhabitants) of tailles 2, 3 and 4: taille 4 is « plus de 175 000 ».
SIZE_BOUNDS: tuple[int, int, int] = (40_000, 80_000, 175_001)
#: The bands as the ACI words them (seed 001), for reports and the editor.
BAND_DESCRIPTIONS: dict[int, str] = {
    1: "moins de 40\u202f000 habitants",
    2: "de 40\u202f000 à moins de 80\u202f000 habitants",
    3: "de 80\u202f000 à 175\u202f000 habitants",
    4: "plus de 175\u202f000 habitants",
}
TAILLE_4PP_MIN_PROFESSIONALS = 100  # "plus de 100 PS": strictly more than 100

#: Version -> texts applied in order (see the module docstring).
VERSIONS: dict[str, tuple[str, ...]] = {
    "ACI-2019": ("ACI-2019",),
    "ACI-2019-avenant-2": ("ACI-2019", "avenant-2"),
}
#: French name of each text, for reports.
TEXT_LABELS: dict[str, str] = {
    "ACI-2019": "ACI du 20 juin 2019",
    "avenant-2": "avenant 2 à l'ACI (décembre 2021)",
}
#: French name of each version, for reports.
VERSION_LABELS: dict[str, str] = {
    "ACI-2019": "ACI du 20 juin 2019",
    # The amounts are the 2019 table's (seed 001, the project's only source of amounts); avenant 2 adds the crisis
    # mission without an amount here, and the amounts later avenants changed are not known: said, not implied.
    "ACI-2019-avenant-2": ("montants de l'ACI du 20 juin 2019, hors révisions des avenants suivants ; mission de crise "
                           "de l'avenant 2 de décembre 2021"),
}
DEFAULT_VERSION = "ACI-2019-avenant-2"
#: First day from which a signed contract surely includes each later text. Avenant 2 was signed in December 2021
#: (the project's sources give no day): a contract signed before 2022 may predate it, and then took the crisis
#: mission in by an avenant of its own, whose date the tool does not know.
TEXT_IN_FORCE: dict[str, date] = {"avenant-2": date(2022, 1, 1)}
#: Order of the mission categories in the calendar.
CATEGORY_ORDER: dict[str, int] = {"socle": 0, "complementaire": 1}
#: Text of an amount that no source of the project gives.
AMOUNT_NOT_GIVEN = "montant non renseigné dans les sources du projet"


def size_band(population: float) -> int:
    """ACI taille (1–4) of a territory of ``population`` inhabitants."""
    if population < 0:
        raise ValueError("population must be non-negative")
    return 1 + sum(population >= bound for bound in SIZE_BOUNDS)


def size_label(population: float, professionals: int | None = None) -> str:
    """``"1"`` … ``"4"``, or ``"4++"`` for taille 4 with more than 100 health professionals."""
    band = size_band(population)
    if band == 4 and professionals is not None and professionals > TAILLE_4PP_MIN_PROFESSIONALS:
        return "4++"
    return str(band)


def band_description(band: int) -> str:
    """French description of the population bounds of taille ``band`` (:data:`BAND_DESCRIPTIONS`)."""
    return BAND_DESCRIPTIONS[band]


@cache
def _texts(name: str) -> pd.DataFrame:
    """Rows of a versioned table of ``pipeline/data`` (read once)."""
    return pd.read_csv(
        PACKAGE_DATA / name, comment="#", dtype={"texte": "string", "remarque": "string", "montant_eur": "Int64"}
    )


def _apply(table: pd.DataFrame, version: str, key: list[str]) -> pd.DataFrame:
    """Rows of ``version``: its texts in order, a later text's row replacing an earlier one with the same key."""
    if version not in VERSIONS:
        raise PipelineError(f"Version de l'ACI inconnue : {version} (connues : {', '.join(VERSIONS)})")
    texts = VERSIONS[version]
    rows = table[table["texte"].isin(texts)].copy()
    rows["_rang"] = rows["texte"].map({text: rank for rank, text in enumerate(texts)})
    rows["_ordre"] = range(len(rows))
    latest = rows.sort_values(["_rang", "_ordre"]).drop_duplicates(key, keep="last")
    out = latest.sort_values("_ordre").drop(columns=["_rang", "_ordre"]).reset_index(drop=True)
    out.insert(0, "version", version)
    out["texte"] = out["texte"].map(TEXT_LABELS).astype("string")
    out["remarque"] = out["remarque"].fillna("")
    return out


def funding_table(version: str = DEFAULT_VERSION) -> pd.DataFrame:
    """Annual funding lines of every taille under ``version``.

    Returns
    -------
    DataFrame
        version, texte (French name of the text that set the line), taille,
        mission, categorie (fonctionnement, socle, complementaire,
        supplementaire), volet, montant_eur (Int64 euros per year, NA when no
        source of the project gives it), remarque (str, « montant non
        renseigné dans les sources du projet » for such lines, else empty).

    Raises
    ------
    PipelineError
        Unknown version.
    """
    return _funding_table(version).copy()


@cache
def _funding_table(version: str) -> pd.DataFrame:
    """:func:`funding_table`, built once per version (a diagnostic asks for it three times); callers get copies."""
    return _apply(_texts("aci_financement.csv"), version, ["taille", "mission", "volet"])


def funding_for(band: int, version: str = DEFAULT_VERSION) -> pd.DataFrame:
    """Funding lines of taille ``band``: mission, categorie, volet, montant_eur (Int64, NA = not given), remarque."""
    table = funding_table(version)
    lines = table[table["taille"] == band]
    return lines[["mission", "categorie", "volet", "montant_eur", "remarque"]].reset_index(drop=True)


def funding_totals(band: int, version: str = DEFAULT_VERSION) -> dict[str, Any]:
    """Totals of the funding lines of taille ``band``.

    Returns
    -------
    dict
        ``total_possible`` (fixed and variable lines, without the
        unscheduled-care supplement), ``volet_supplementaire`` and
        ``maximum`` (their sum): int, or None when a line they add up has no
        amount (never a partial sum under a total's name); ``total_connu`` and
        ``maximum_connu``: the sums of the lines whose amount is known (a lower
        bound when incomplete); ``complet`` (bool); ``missions_sans_montant``
        (sorted missions whose amount is not given).
    """
    lines = funding_for(band, version)
    supplement = lines["categorie"] == "supplementaire"
    base_known = int(lines.loc[~supplement, "montant_eur"].sum())
    extra_known = int(lines.loc[supplement, "montant_eur"].sum())
    base_complete = bool(lines.loc[~supplement, "montant_eur"].notna().all())
    extra_complete = bool(lines.loc[supplement, "montant_eur"].notna().all())
    return {
        "total_possible": base_known if base_complete else None,
        "volet_supplementaire": extra_known if extra_complete else None,
        "maximum": base_known + extra_known if base_complete and extra_complete else None,
        "total_connu": base_known,
        "maximum_connu": base_known + extra_known,
        "complet": base_complete and extra_complete,
        "missions_sans_montant": sorted(set(lines.loc[lines["montant_eur"].isna(), "mission"])),
    }


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the last day of the month.

    Raises
    ------
    PipelineError
        The result falls outside the calendar Python can write (years 1 to
        9999): a French message naming the date, never an overflow.
    """
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    if not MINYEAR <= year <= MAXYEAR:
        raise PipelineError(f"Date hors du calendrier : {day.isoformat()} plus {months} mois sort des années "
                            f"{MINYEAR} à {MAXYEAR}")
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def mission_calendar(signature: date, version: str = DEFAULT_VERSION) -> pd.DataFrame:
    """Start and deployment deadlines of each mission after the signature of the contract.

    Returns
    -------
    DataFrame
        mission, categorie, demarrage_mois, deploiement_mois (months, NaN =
        « pas de délai particulier »), demarrage, deploiement (dates; None when there is no deadline, or when
        the mission came with a text later than the signature, :data:`TEXT_IN_FORCE`: « non disponible »),
        texte (French name of the text that set the mission), remarque (str;
        the crisis mission says it came with avenant 2 and that its amount is
        not given).
    """
    texts = _texts("aci_calendrier.csv")
    later = {TEXT_LABELS[t] for t, start in TEXT_IN_FORCE.items() if signature < start}
    table = _apply(texts, version, ["mission"])
    # socle missions first (the crisis mission is « mission socle 4 » in seed 002), file order otherwise
    table = table.sort_values("categorie", key=lambda c: c.map(CATEGORY_ORDER), kind="stable").reset_index(drop=True)
    starts, ends = [], []
    for row in table.itertuples():
        # A mission of a text later than the contract runs from the contract's own avenant: dates unknown.
        known = row.texte not in later
        starts.append(add_months(signature, int(row.demarrage_mois))
                      if pd.notna(row.demarrage_mois) and known else None)
        ends.append(add_months(signature, int(row.deploiement_mois))
                    if pd.notna(row.deploiement_mois) and known else None)
    table["remarque"] = [
        " ; ".join(filter(None, [str(r.remarque), f"contrat signé avant l'{r.texte} : les délais de cette mission "
                                                 "courent à partir de l'avenant au contrat de la CPTS qui l'y intègre "
                                                 "(date non connue ici), pas de la signature"]))
        if r.texte in later else r.remarque for r in table.itertuples()]
    table["demarrage"] = starts
    table["deploiement"] = ends
    columns = ["mission", "categorie", "demarrage_mois", "deploiement_mois", "demarrage", "deploiement"]
    return table[[*columns, "texte", "remarque"]]


def known_funding(band: int, version: str = DEFAULT_VERSION) -> dict[str, int]:
    """The annual funding of taille ``band`` whose amounts the project's sources give.

    ``total_possible`` (fixed and variable lines), ``volet_supplementaire``
    (unscheduled care) and ``maximum`` (their sum), in euros. They are lower
    bounds when :func:`funding_note` is not empty (a mission without amount).
    """
    totals = funding_totals(band, version)
    return {"total_possible": int(totals["total_connu"]),
            "volet_supplementaire": int(totals["maximum_connu"] - totals["total_connu"]),
            "maximum": int(totals["maximum_connu"])}


def funding_note(version: str = DEFAULT_VERSION) -> str:
    """French sentence naming the missions whose amount no source gives (empty when none)."""
    missing = sorted(set(funding_table(version).loc[lambda f: f["montant_eur"].isna(), "mission"]))
    if not missing:
        return ""
    return ("hors " + ", ".join(f"« {m} »" for m in missing)
            + f" ({AMOUNT_NOT_GIVEN}) : le financement possible est au moins celui indiqué")
