"""Which CPTS of the loaded listings a coverage speaks of: one identifier per CPTS of one listing, names kept
apart, the CPTS partly outside the load, and the listings' anomalies of the zone."""

from __future__ import annotations

import pandas as pd

from pipeline.geography import departements_of_insee_codes
from pipeline.render.report import format_number
from pipeline.render.sections.common import agree
from pipeline.sources.cpts_listing import OUT_OF_SCOPE, codes_beyond_the_load


def one_id_per_listing(frame: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """``frame`` whose ``cpts_id`` names one CPTS of one listing: a CPTS is a (listing, cpts_id) pair.

    A listing without a ``cpts_id`` column gets the slug of each name as identifier, so two listings naming
    a « CPTS Sud 04 » each gave the same identifier, and the coverage dissolved their two perimeters into
    one (while the diagnostic, the editor and the batch keep one row per listing). An identifier found in
    several listings of ``members`` is prefixed with its listing (« paca:cpts-sud-04 »); the others are
    kept as they are.
    """
    in_several = members.groupby("cpts_id")["listing"].nunique()
    repeated = frame["cpts_id"].isin(set(in_several[in_several > 1].index))
    prefixed = frame["listing"].astype(str) + ":" + frame["cpts_id"].astype(str)
    return frame.assign(cpts_id=frame["cpts_id"].where(~repeated, prefixed))


def named_apart(members: pd.DataFrame) -> pd.DataFrame:
    """``members`` with one name per CPTS: perimeters, overlaps and the map's legend group by name.

    Two CPTS (two ``cpts_id``) of the same name, from two listings, are named with their listing
    (« CPTS du Verdon (liste paca) »); within one listing, with their identifier too.
    """
    def shared(names: pd.Series) -> pd.Series:
        return members.groupby(names)["cpts_id"].transform("nunique") > 1

    names = members["cpts"].astype(str)
    names = names.where(~shared(names), names + " (liste " + members["listing"].astype(str) + ")")
    names = names.where(~shared(names), names + " · " + members["cpts_id"].astype(str))
    return members.assign(cpts=names)


def partial_cpts(members: pd.DataFrame, issues: pd.DataFrame) -> set[str]:
    """Identifiers (as :func:`one_id_per_listing` gives them) of the CPTS with communes outside the load."""
    outside = issues.loc[issues["kind"] == OUT_OF_SCOPE, ["listing", "cpts"]].drop_duplicates()
    ids = members[["listing", "cpts", "cpts_id"]].drop_duplicates()
    return set(ids.merge(outside, on=["listing", "cpts"])["cpts_id"])


def outside_codes(members: pd.DataFrame, issues: pd.DataFrame) -> pd.DataFrame:
    """``cpts_id``, ``unit_code`` of the listed codes beyond the loaded départements, per CPTS of ``members`` (named
    as its listing names it): where a partly loaded CPTS is rooted is measured on all its codes."""
    outside = codes_beyond_the_load(issues)[["listing", "cpts", "code"]]
    ids = members[["listing", "cpts", "cpts_id"]].drop_duplicates()
    rows = ids.merge(outside, on=["listing", "cpts"])
    return rows[["cpts_id", "code"]].rename(columns={"code": "unit_code"}).astype(str).reset_index(drop=True)


#: The statut of a CPTS whose listing gives none (seed 003: one approved project per territory, so a planner tells a
#: signed CPTS from a project by it).
NO_STATUT = "non renseigné"


def statuts(members: pd.DataFrame) -> pd.DataFrame:
    """``statut`` (:data:`NO_STATUT` when the listing gives none) and ``date`` (a :class:`datetime.date`, or None)
    of each ``cpts_id`` of ``members``: the first its listing gives, in line order."""
    rows = members.sort_values([c for c in ("listing", "line") if c in members])
    ids = pd.Index(rows["cpts_id"].drop_duplicates())
    statut = rows.dropna(subset=["statut"]).groupby("cpts_id", sort=False)["statut"].first()
    day = pd.to_datetime(rows["date"], errors="coerce").groupby(rows["cpts_id"], sort=False).first()
    return pd.DataFrame({
        "statut": statut.reindex(ids).astype(object).where(statut.reindex(ids).notna(), NO_STATUT),
        "date": [None if pd.isna(v) else v.date() for v in day.reindex(ids)]}, index=ids)


def with_statuts(pairs: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Overlap pairs with ``statut_a``, ``date_a``, ``statut_b``, ``date_b`` of :func:`statuts` ``table``."""
    out = pairs.copy()
    for side in ("a", "b"):
        ids = out[f"cpts_id_{side}"]
        out[f"statut_{side}"] = ids.map(table["statut"]).fillna(NO_STATUT).astype(object)
        out[f"date_{side}"] = ids.map(table["date"]).astype(object).where(ids.map(table["date"]).notna(), None)
    return out


def unknown_when_partial(pairs: pd.DataFrame, partial: set[str],
                         beyond: dict[str, int | None] | None = None) -> pd.DataFrame:
    """Overlap pairs whose sizes and shares of a partial CPTS (:func:`partial_cpts`) are NaN: only its loaded
    part is known (a review: « CPTS Val Durance » 38 186 inhabitants where its listing holds 41 363); but its
    population and population share where ``beyond``
    (:func:`pipeline.app.coverage_beyond.population_beyond_the_load`) gives the inhabitants of
    its communes outside the load."""
    out = pairs.copy()
    for side in ("a", "b"):
        unknown = out[f"cpts_id_{side}"].isin(partial)
        outside = out[f"cpts_id_{side}"].astype(str).map(lambda c: (beyond or {}).get(c)).astype("float64")
        whole = out[f"population_{side}"].astype("float64") + outside
        for column in (f"n_units_{side}", f"population_{side}", f"share_count_{side}", f"share_pop_{side}",
                       f"part_surface_{side}"):
            if column in out:
                out[column] = out[column].astype("float64").where(~unknown)
        if f"population_{side}" in out:
            out[f"population_{side}"] = out[f"population_{side}"].where(~unknown, whole)
            if f"share_pop_{side}" in out and "shared_population" in out:
                out[f"share_pop_{side}"] = out[f"share_pop_{side}"].where(
                    ~unknown, out["shared_population"].astype("float64") / whole.where(whole > 0))
    return out


def _memberless(issues: pd.DataFrame, with_members: set[tuple[str, str]]) -> pd.Series:
    """Rows of ``issues`` of a CPTS without any loaded unit: no (listing, name) pair of ``with_members`` (a name
    with members in one listing does not hide the same name, memberless, in another)."""
    pairs = zip(issues["listing"].astype(str), issues["cpts"].astype(str), strict=True)
    return issues["cpts"].notna() & pd.Series([p not in with_members for p in pairs], index=issues.index, dtype=bool)


def zone_issues(issues: pd.DataFrame, zone_names: set[str], zone_listings: set[str],
                with_members: set[tuple[str, str]], zone_departements: set[str],
                loaded_departements: set[str]) -> pd.DataFrame:
    """The listings' anomalies a coverage of a zone shows.

    Those of the zone's CPTS (``zone_names``); a file's own (a coordinate system assumed: no CPTS) where that
    file has a CPTS (``zone_listings``); and those of the codes of a CPTS without any loaded unit (none of
    ``with_members``, (listing, name) pairs: its codes all unknown or malformed) in the zone of their
    département, or, in a file with a CPTS in the zone, of a département none of the loaded ones; not those of
    its communes outside the loaded départements, in no zone of the database (a review: « CPTS Vide » of code
    04999 was in no output, and the coverage said « 0 code inconnu »).
    """
    memberless = _memberless(issues, with_members) & issues["code"].notna() & (issues["kind"] != OUT_OF_SCOPE)
    departements = departements_of_insee_codes(issues["code"])
    here = departements.isin(zone_departements).fillna(False)
    nowhere = ~departements.isin(loaded_departements).fillna(False) & issues["listing"].isin(zone_listings)
    return issues[issues["cpts"].isin(zone_names)
                  | (issues["cpts"].isna() & issues["listing"].isin(zone_listings))
                  | (memberless & (here | nowhere))]


def memberless_notes(issues: pd.DataFrame, with_members: set[tuple[str, str]]) -> list[str]:
    """The coverage's note on the CPTS of its anomalies that have no loaded unit: they are in none of its figures."""
    rows = issues[_memberless(issues, with_members)]
    names = sorted({f"{cpts} (liste {listing})" for cpts, listing in zip(rows["cpts"], rows["listing"], strict=True)})
    if not names:
        return []
    counted = agree(len(names), "absente des chiffres de la couverture", "absentes des chiffres de la couverture")
    return [f"{format_number(len(names))} CPTS dont aucune commune n'est reconnue dans la base ({counted} ; voir "
            f"les anomalies des listes) : {', '.join(names)}"]
