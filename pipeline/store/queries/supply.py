"""Health-care supply of a territory, in the shape of the « Trame d'un projet de santé ».

Reads the tables written by :mod:`pipeline.store.registry_tables` from the
staged Annuaire Santé (``ps_activites``, one row per practitioner × activity
site) and FINESS (``etablissements``).

Counting rules (chosen for the Trame table, the representativeness and the
4++ size band):

- ``praticiens`` is a head count: the number of distinct practitioners
  (« Identification nationale PP ») with at least one activity site in the
  zone. A practitioner with one site inside and one outside counts 1; with
  two sites inside, 1.
- Densities per 10 000 inhabitants are computed on those head counts, for
  the territory and for the département, région and France alike (a
  practitioner with sites in two départements counts in each), as DREES
  densities of professionals are.
- ``praticiens_etp`` (« Professionnels (part des sites) ») sums the
  per-site weights ``1 / number of sites``: a practitioner with one site in
  two inside the territory counts 0.5. It is a share of presence, not a
  measured working time, and is shown for information only.
- The « MSP » and « Centres de santé » rows count establishments of the
  FINESS extraction (``unite`` = ``structures``), not practitioners.

Territories are given as *units* (see :mod:`pipeline.store.territory`): an
activity or an establishment belongs to a territory when its ``commune`` is
one of the units (a commune, or a whole city such as 13055) or its ``unite``
is (an arrondissement of Paris, Lyon or Marseille, placed by its postal
code). A territory of three Marseille arrondissements thus counts the
practitioners of those three only, ``communes:13055`` counts the whole city,
and the sum of the 16 arrondissements equals the city but for the activities
whose arrondissement could not be determined (:func:`sans_arrondissement`).
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pandas as pd

from pipeline import config, nomenclatures
from pipeline.errors import PipelineError, TerritoryError
from pipeline.geography import arrondissements_of
from pipeline.store.queries import code_list, communes_of, has_rows

#: Columns of the recours split; ``non renseigné``: premier-recours professions whose setting is unknown
#: (no secteur, not libéral); ``non classé`` gathers professions seed 000 does not classify.
RECOURS: tuple[str, ...] = (
    "premier", "second", nomenclatures.RECOURS_HORS_AMBULATOIRE, "non renseigné", "non classé"
)

#: Columns of the exercise-mode split; ``mixte`` = several modes within the zone (e.g. libéral and salarié).
MODES: tuple[str, ...] = ("libéral", "salarié", "mixte", "bénévole", "non renseigné")

#: Group excluded from the health professionals counted for taille 4++ (unknown professions,
#: médecins without specialty, non-Trame professions such as opticiens or ergothérapeutes).
GROUPE_AUTRES = "Autres"



def _territory_codes(units: Iterable[str]) -> dict[str, list[str]]:
    """The list parameters of :data:`IN_TERRITORY`: ``units`` and ``communes``.

    ``units`` are the ``unite`` values of a territory's rows: its units, and
    for a city held whole its arrondissements. Every row's ``unite`` is its
    commune, or in Paris, Lyon and Marseille an arrondissement (the city
    itself when none could be determined): one equality on ``unite`` then
    applies the unit rule of the module docstring, and no row can match
    twice. ``communes`` are the rows' ``commune`` values (:func:`~pipeline.store.queries.communes_of`).
    """
    codes = sorted({str(c).strip() for c in units if str(c).strip()})
    if not codes:
        raise TerritoryError("Le territoire ne contient aucune commune")
    values = code_list([*codes, *(a for code in codes for a in arrondissements_of(code))])
    return {"units": values, "communes": communes_of(values)}


#: Rows of a territory, given the list parameters ``$units`` and ``$communes`` (:func:`_territory_codes`).
IN_TERRITORY = "a.commune = ANY($communes::VARCHAR[]) AND coalesce(a.unite, a.commune) = ANY($units::VARCHAR[])"


def registry_loaded(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether an Annuaire Santé extraction is loaded."""
    return has_rows(con, "ps_activites")


def _require_registry(con: duckdb.DuckDBPyConnection) -> None:
    if not registry_loaded(con):
        raise PipelineError("Aucune extraction de l'Annuaire Santé n'est chargée : lancez d'abord « make data ».")


def offre(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """Supply aggregates per commune (``offre_commune``) with département and région, or None without registry.

    An extraction whose rows all lie outside the loaded départements leaves ``offre_commune`` empty: the frame
    is then empty, not None, so that the diagnostic says the extraction does not cover the territory rather
    than that none is loaded.
    """
    if not registry_loaded(con):
        return None
    # Through Arrow: about 300 000 rows of text columns for all of France, read 5 to 8 times faster than with
    # ``.df()`` (whose Python strings pandas then converts one by one). The columns are text, BIGINT counts
    # and DOUBLE shares, which both paths give the same dtypes.
    return con.sql(
        """
        SELECT o.*, c.departement, c.region
        FROM offre_commune o LEFT JOIN communes c
          ON c.code = o.commune AND c.vintage = ? AND c.type = 'commune-actuelle'
        """,
        params=[config.CURRENT_VINTAGE],
    ).to_arrow_table().to_pandas()


def _in_territory(con: duckdb.DuckDBPyConnection, units: Iterable[str], sql: str) -> pd.DataFrame:
    """Run ``sql`` (which filters with :data:`IN_TERRITORY`) for the territory's units."""
    _require_registry(con)
    return con.execute(sql, _territory_codes(units)).df()


def praticiens_par_unite(con: duckdb.DuckDBPyConnection, units: Iterable[str]) -> pd.DataFrame:
    """Distinct practitioners of each unit of a territory, per group: ``code, groupe, effectif``.

    Head counts as in :func:`offre_territoire`, unit by unit: a practitioner
    with two sites in one unit counts 1 there, with sites in two units 1 in
    each (the units' counts then add up to more than the territory's). A row
    belongs to the territory's unit holding it: its arrondissement when that
    is a unit, else its commune (a city held whole).
    """
    _require_registry(con)
    given = code_list(str(u).strip() for u in units)
    return con.execute(
        f"""
        SELECT CASE WHEN a.unite = ANY($given::VARCHAR[]) THEN a.unite ELSE a.commune END AS code, groupe,
               count(DISTINCT rpps) AS effectif
        FROM ps_activites_courantes a WHERE {IN_TERRITORY}
        GROUP BY ALL HAVING count(DISTINCT rpps) > 0
        ORDER BY code, groupe
        """,
        {**_territory_codes(given), "given": given},
    ).df()


def offre_territoire(con: duckdb.DuckDBPyConnection, units: Iterable[str]) -> pd.DataFrame:
    """Per-profession supply table of a territory (Trame, seed 002), head counts.

    Parameters
    ----------
    con
        Connection holding ``ps_activites`` (and ``etablissements`` for the
        MSP and centre de santé rows, when loaded).
    units
        Unit codes of the territory: current communes, and arrondissements
        of Paris, Lyon, Marseille (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        One row per Trame row, in the Trame's order, zeros included: the
        professions of :data:`~pipeline.nomenclatures.GROUPES_TRAME` then
        « MSP » and « Centres de santé ». Columns ``groupe``, ``praticiens``
        (distinct practitioners with a site in the territory, or
        establishments for the structure rows), ``praticiens_etp`` (sum of
        site shares; NaN for structures), ``dont_liberaux`` (practitioners
        with at least one libéral site in the territory; NA for structures, and where a practitioner with no
        libéral site has a site of unknown mode),
        ``unite`` (``professionnels`` or ``structures``) and ``source``
        (``annuaire-sante`` or ``finess``; NA for the structure rows when no
        FINESS extraction is loaded).
    """
    found = _in_territory(
        con,
        units,
        f"""
        SELECT groupe, count(DISTINCT rpps) AS praticiens, sum(poids) AS praticiens_etp,
               count(DISTINCT CASE WHEN mode = 'libéral' THEN rpps END) AS dont_liberaux,
               count(DISTINCT CASE WHEN mode IN ('libéral', 'non renseigné') THEN rpps END) AS liberaux_ou_inconnus
        FROM ps_activites_courantes a WHERE {IN_TERRITORY}
        GROUP BY groupe
        """,
    ).set_index("groupe")
    structures = structures_territoire(con, units)
    rows = []
    for groupe in nomenclatures.GROUPES_TRAME:
        rec = found.loc[groupe] if groupe in found.index else None
        rows.append(
            {
                "groupe": groupe,
                "praticiens": 0 if rec is None else int(rec["praticiens"]),
                "praticiens_etp": 0.0 if rec is None else float(rec["praticiens_etp"]),
                # Not available when a practitioner with no libéral site has one of unknown mode: libéral or not,
                # nobody knows (a review: an unknown mode code made it 0).
                "dont_liberaux": 0 if rec is None else None if rec["liberaux_ou_inconnus"] > rec["dont_liberaux"]
                else int(rec["dont_liberaux"]),
                "unite": "professionnels",
                "source": "annuaire-sante",
            }
        )
    for groupe in nomenclatures.GROUPES_STRUCTURES:
        count = None if structures is None else int(structures.get(groupe, 0))
        rows.append(
            {
                "groupe": groupe,
                "praticiens": count,
                "praticiens_etp": float("nan"),
                "dont_liberaux": None,
                "unite": "structures",
                "source": None if structures is None else "finess",
            }
        )
    return pd.DataFrame(rows).astype({"praticiens": "Int64", "dont_liberaux": "Int64"})


def structures_territoire(con: duckdb.DuckDBPyConnection, units: Iterable[str]) -> pd.Series | None:
    """MSP and centres de santé of the FINESS extraction in the territory, or None when FINESS is not loaded.

    Returns
    -------
    pandas.Series or None
        Index :data:`~pipeline.nomenclatures.GROUPES_STRUCTURES`, number of
        establishments in the territory (same unit rule as the practitioners).
    """
    if not has_rows(con, "etablissements"):
        return None
    finess_groups = list(nomenclatures.GROUPE_FINESS_STRUCTURE.values())
    found = con.execute(
        f"""
        SELECT groupe, count(*) AS n
        FROM etablissements a
        WHERE {IN_TERRITORY} AND groupe = ANY($groups::VARCHAR[])
        GROUP BY groupe
        """,
        {**_territory_codes(units), "groups": finess_groups},
    ).df()
    by_finess = dict(zip(found["groupe"], found["n"], strict=True))
    return pd.Series(
        {row: int(by_finess.get(group, 0)) for row, group in nomenclatures.GROUPE_FINESS_STRUCTURE.items()},
        dtype="int64",
    )


def effectifs_zone(
    con: duckdb.DuckDBPyConnection, departement: str | None = None, region: str | None = None
) -> pd.DataFrame:
    """Distinct practitioners per Trame group with a site in a département, a région, or France.

    Communes are placed with the ``communes`` table of the current vintage;
    without ``departement`` nor ``region``, every located site counts
    (France). Counted when the registry is loaded (``effectifs_zones``,
    :func:`pipeline.store.registry_tables.rebuild_offre`). Returns ``groupe``
    (the professions of the Trame, zeros included) and ``praticiens``.
    """
    _require_registry(con)
    level, code = (("departement", departement) if departement is not None
                   else ("region", region) if region is not None else ("france", ""))
    found = con.execute("SELECT groupe, praticiens FROM effectifs_zones WHERE niveau = ? AND code = ?",
                        [level, code]).df()
    counts = found.set_index("groupe")["praticiens"]
    return pd.DataFrame(
        {
            "groupe": list(nomenclatures.GROUPES_TRAME),
            "praticiens": [int(counts.get(g, 0)) for g in nomenclatures.GROUPES_TRAME],
        }
    )


def professionnels_sante(con: duckdb.DuckDBPyConnection, units: Iterable[str]) -> int:
    """Distinct health professionals with a site in the territory, « Autres » excluded (taille 4++, seed 002)."""
    found = _in_territory(
        con,
        units,
        f"""
        SELECT count(DISTINCT rpps) AS n
        FROM ps_activites_courantes a WHERE {IN_TERRITORY}
        AND groupe <> '{GROUPE_AUTRES}'
        """,
    )
    return int(found["n"].iloc[0])


def _split(found: pd.DataFrame, column: str, order: tuple[str, ...]) -> pd.DataFrame:
    if found.empty:
        return pd.DataFrame(index=pd.Index([], name="groupe"), columns=pd.Index([], name=column), dtype="int64")
    table = found.pivot_table(index="groupe", columns=column, values="n", aggfunc="sum", fill_value=0)
    table = table.reindex(
        index=[g for g in nomenclatures.GROUPES_TRAME if g in table.index],
        columns=[c for c in order if c in table.columns],
    )
    table.columns.name = column
    return table.astype("int64")


def offre_par_recours(con: duckdb.DuckDBPyConnection, units: Iterable[str]) -> pd.DataFrame:
    """Distinct practitioners per Trame group × recours (seed 000) in the territory.

    Each practitioner counts once: ``premier`` when at least one of their
    activities in the territory is premier recours (ambulatory setting, see
    :mod:`pipeline.sources.annuaire.classify`), otherwise the recours of their
    activities there (``second``, ``hors ambulatoire`` for a premier-recours
    profession practising only in an établissement or elsewhere, ``non
    classé`` for professions seed 000 does not classify). Rows add up to
    :func:`offre_territoire`'s ``praticiens``.

    Returns
    -------
    pandas.DataFrame
        Index ``groupe`` (groups present), columns among :data:`RECOURS`.
    """
    found = _in_territory(
        con,
        units,
        f"""
        WITH per_practitioner AS (
            SELECT rpps, groupe,
                   CASE WHEN bool_or(recours = 'premier') THEN 'premier'
                        ELSE min(coalesce(recours, 'non classé')) END AS recours
            FROM ps_activites_courantes a WHERE {IN_TERRITORY}
            GROUP BY rpps, groupe
        )
        SELECT groupe, recours, count(*) AS n FROM per_practitioner GROUP BY groupe, recours
        """,
    )
    return _split(found, "recours", RECOURS)


def offre_par_mode(con: duckdb.DuckDBPyConnection, units: Iterable[str]) -> pd.DataFrame:
    """Distinct practitioners per Trame group × exercise mode in the territory.

    A practitioner whose activities in the territory have several modes
    (libéral and salarié...) counts once, as ``mixte``. Rows add up to
    :func:`offre_territoire`'s ``praticiens``.

    Returns
    -------
    pandas.DataFrame
        Index ``groupe`` (groups present), columns among :data:`MODES`.
    """
    found = _in_territory(
        con,
        units,
        f"""
        WITH per_practitioner AS (
            SELECT rpps, groupe,
                   CASE WHEN count(DISTINCT mode) > 1 THEN 'mixte' ELSE min(mode) END AS mode
            FROM ps_activites_courantes a WHERE {IN_TERRITORY}
            GROUP BY rpps, groupe
        )
        SELECT groupe, mode, count(*) AS n FROM per_practitioner GROUP BY groupe, mode
        """,
    )
    return _split(found, "mode", MODES)


def sans_arrondissement(con: duckdb.DuckDBPyConnection, cities: Iterable[str]) -> pd.DataFrame:
    """Practitioners and establishments of Paris, Lyon or Marseille whose arrondissement is unknown.

    Their ``unite`` is the city itself (no arrondissement code, and a postal
    code that names none): they count for the whole city but in none of its
    arrondissements.

    Returns
    -------
    pandas.DataFrame
        ``commune`` (each of ``cities``), ``praticiens`` (distinct
        practitioners of the latest extraction with such an activity; 0 when
        no extraction is loaded), ``etablissements`` (FINESS establishments).
    """
    codes = sorted({str(c) for c in cities})
    frame = pd.DataFrame({"commune": pd.Series(codes, dtype="string")})
    con.register("_villes", frame)
    try:
        return con.execute(
            """
            SELECT v.commune,
                   (SELECT count(DISTINCT rpps) FROM ps_activites_courantes a
                    WHERE a.commune = v.commune AND a.unite = v.commune) AS praticiens,
                   (SELECT count(*) FROM etablissements e
                    WHERE e.commune = v.commune AND e.unite = v.commune) AS etablissements
            FROM _villes v ORDER BY v.commune
            """
        ).df().astype({"praticiens": "int64", "etablissements": "int64"})
    finally:
        con.unregister("_villes")
