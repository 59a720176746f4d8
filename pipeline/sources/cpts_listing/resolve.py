"""Resolution of parsed listings to the current COG, and their content defects (the file-level entry point:
:mod:`.reading`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import pandas as pd

from pipeline.geography import (
    INSEE_CODE,
    REGION_DEPARTEMENTS,
    departement_of,
    normalise_insee_code,
    paris_postal_arrondissement,
)
from pipeline.sources.cpts_listing.columns import commune_name_issues, status_issues, unread_column_issues
from pipeline.sources.cpts_listing.homonyms import find_probable_homonyms, homonym_issues
from pipeline.sources.cpts_listing.ids import assign_ids
from pipeline.sources.cpts_listing.model import (
    ISSUE_COLUMNS,
    MEMBER_COLUMNS,
    OUT_OF_SCOPE,
    PERIMETER_COLUMNS,
    ListingResult,
    feature_label,
    issue,
    single_id_by_name,
)
from pipeline.sources.cpts_listing.names import name_issues
from pipeline.sources.cpts_listing.perimeters import ANOMALY_SWAPPED, one_perimeter_per_cpts
from pipeline.sources.cpts_listing.postal import postal_code_issues

#: Kinds of :func:`pipeline.sources.cog.cog_mapping` rows, as the anomalies write them.
_KIND_WORDS = {"ancien": "ancienne commune", "deleguee": "commune déléguée", "associee": "commune associée",
               "historique": "ancienne commune", "arrondissement": "arrondissement"}


def resolve_codes(
    raw: pd.DataFrame, cog_mapping: pd.DataFrame, units: pd.DataFrame, listing: str
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Resolve the ``code_insee`` of parsed rows to units of the current COG.

    Parameters
    ----------
    raw
        Output of :func:`parse_listing_csv` (with ``cpts_id`` filled).
    cog_mapping
        code, current_code, kind, nom: every code ever seen → current commune.
    units
        Current communes and arrondissements: code, nom, type, parent, ...
    listing
        Listing name.

    Returns
    -------
    (members, issues)
    """
    unit_type = units.set_index("code")["type"].to_dict()
    unit_parent = units.set_index("code")["parent"].to_dict()
    unit_name = units.set_index("code")["nom"].to_dict()
    arrondissements: dict[str, list[str]] = {}
    for code, parent in unit_parent.items():
        if isinstance(parent, str) and parent:
            arrondissements.setdefault(parent, []).append(code)
    mapping = cog_mapping.drop_duplicates("code").set_index("code")
    issues: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []

    def add(row: pd.Series, source: str, target: str, note: str | None) -> None:
        kids = sorted(arrondissements.get(target, []))
        if kids:
            n = len(kids)
            extra = f"commune à arrondissements {target} revendiquée entière : {n} arrondissements"
            issues.append(
                issue(
                    listing,
                    "commune_a_arrondissements",
                    row.cpts,
                    source,
                    row.line,
                    f"{extra} ; préciser les arrondissements si la CPTS n'en couvre qu'une partie",
                )
            )
            for kid in kids:
                members.append(_member(row, source, kid, target, unit_type.get(kid), note or extra))
            return
        parent = unit_parent.get(target)
        commune = parent if isinstance(parent, str) and parent else target
        members.append(_member(row, source, target, commune, unit_type.get(target), note))

    def _member(row: pd.Series, source: str, unit: str, commune: str, utype: Any, note: str | None) -> dict:
        return {
            "listing": listing,
            "cpts": row.cpts,
            "cpts_id": row.cpts_id,
            "statut": row.statut,
            "date": row.date,
            "code_source": source,
            "unit_code": unit,
            "commune_code": commune,
            "unit_type": utype,
            "note": note,
            "line": row.line,
        }

    for row in raw.itertuples(index=False):
        source = row.code_insee
        normalised, restored = normalise_insee_code(source)
        code = normalised or source
        note = None
        if restored is not None:
            # What the spreadsheet did, as normalise_insee_code says it: a lost zero, a decimal, a scientific notation
            # (a review read « zéro initial perdu » for « 13103.0 », which lost none).
            note = f"code réécrit ({restored})"
            issues.append(
                issue(
                    listing,
                    "code_zero_restaure",
                    row.cpts,
                    source,
                    row.line,
                    f"code {restored}",
                )
            )
        if normalised is None or not INSEE_CODE.match(code):
            issues.append(
                issue(
                    listing,
                    "code_invalide",
                    row.cpts,
                    source,
                    row.line,
                    f"« {source} » n'est pas un code INSEE de commune (5 caractères)",
                )
            )
            continue
        if code in unit_type:
            add(row, source, code, note)
            continue
        if (arrondissement := paris_postal_arrondissement(code)) is not None:
            # 75001…75020: Paris's postal codes, and the codes of Seine communes before 1968 (75001 Alfortville):
            # neither read, both said (a review: a Paris list was read as twenty suburbs).
            seine = (f"et ancien code, avant 1968, d'une commune de la Seine : {mapping.at[code, 'nom']}, aujourd'hui "
                     f"{mapping.at[code, 'current_code']} ; " if code in mapping.index else "")
            issues.append(issue(listing, "code_sans_correspondance", row.cpts, source, row.line,
                                f"code {code} : code postal de Paris (code INSEE {arrondissement}), {seine}"
                                "préciser le code INSEE"))
            continue
        if code in mapping.index:
            entry = mapping.loc[code]
            target = entry["current_code"]
            if not isinstance(target, str) or target not in unit_type:
                issues.append(
                    issue(
                        listing,
                        "code_sans_correspondance",
                        row.cpts,
                        source,
                        row.line,
                        f"code {code} ({entry['nom']}) sans commune actuelle correspondante",
                    )
                )
                continue
            # The mapping's kind in French words (a review read « (Pierrefitte-sur-Seine, deleguee) »).
            kind = _KIND_WORDS.get(str(entry["kind"]), str(entry["kind"]))
            label = f"{entry['nom']}, {kind}" if pd.notna(entry["nom"]) else kind
            if code != target and (kids := sorted(arrondissements.get(target, []))):
                # A former commune of a city now modelled by arrondissement lies in one of them (Saint-Rambert-
                # l'Île-Barbe, 69232, in Lyon 9e): claimed whole, the city would make the CPTS taille 4 (a review).
                issues.append(issue(listing, "code_sans_correspondance", row.cpts, source, row.line,
                                    f"code ancien {code} ({label}) : aujourd'hui une partie de "
                                    f"{unit_name.get(target)} ({target}), modélisée par arrondissement ; "
                                    f"préciser l'arrondissement ({kids[0]} à {kids[-1]})"))
                continue
            old = f"code ancien {code} ({label}) rattaché à {target} ({unit_name.get(target)})"
            issues.append(issue(listing, "code_ancien", row.cpts, source, row.line, old))
            add(row, source, target, f"{note} ; {old}" if note else old)
            continue
        issues.append(
            issue(
                listing,
                "code_inconnu",
                row.cpts,
                source,
                row.line,
                f"code {code} absent du code officiel géographique",
            )
        )
    frame = pd.DataFrame(members, columns=MEMBER_COLUMNS)
    return frame, issues


def duplicate_issues(members: pd.DataFrame, listing: str) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Report a unit claimed twice by one CPTS and keep its first claim only."""
    dup = members.duplicated(["cpts_id", "unit_code"], keep="first")
    # The first claim of each unit, looked up once (a search of the whole listing per repeated row took minutes
    # for a listing of 50 000 rows).
    first_claims = {(first.cpts_id, first.unit_code): first for first in members[~dup].itertuples(index=False)}
    issues = []
    for row in members[dup].itertuples(index=False):
        first = first_claims[row.cpts_id, row.unit_code]
        issues.append(
            issue(
                listing,
                "doublon",
                row.cpts,
                row.code_source,
                row.line,
                f"unité {row.unit_code} déjà revendiquée par « {first.cpts} » ligne {first.line} "
                f"(code {first.code_source})",
            )
        )
    return members[~dup].reset_index(drop=True), issues


def span_issues(members: pd.DataFrame, units: pd.DataFrame, listing: str) -> list[dict[str, Any]]:
    """Report CPTS whose units lie in several départements, or several régions."""
    geo = members.merge(units[["code", "departement", "region"]], left_on="unit_code", right_on="code")
    issues = []
    for (_cid, name), grp in geo.groupby(["cpts_id", "cpts"], sort=True):
        for col, kind, label in (
            ("departement", "multi_departements", "départements"),
            ("region", "multi_regions", "régions"),
        ):
            counts = grp[col].value_counts()
            if len(counts) > 1:  # « région 84 » is not read as the Vaucluse (84) of the line before
                detail = ", ".join(f"{label[:-1]} {k} : {v} {'unité' if v < 2 else 'unités'}"
                                   for k, v in sorted(counts.items()))
                issues.append(
                    issue(
                        listing,
                        kind,
                        name,
                        None,
                        None,
                        f"« {name} » s'étend sur {len(counts)} {label} ({detail})",
                    )
                )
    return issues


def spans_beyond_the_load(issues: pd.DataFrame, members: pd.DataFrame, units: pd.DataFrame,
                          listing: str, current: Mapping[str, str] | None = None) -> pd.DataFrame:
    """``issues`` whose ``multi_departements``/``multi_regions`` count the communes outside the load too.

    On a database of some départements, a CPTS's communes elsewhere (``hors_departements_charges``) have no
    unit row: « CPTS Drôme Provençale - Enclave des Papes » was said to span « 2 départements (04, 05) »
    where its listing reaches into the Vaucluse. Their département is their code's, their région the COG's.
    ``current`` maps a code outside the load to its current commune: two former communes of one commune nouvelle
    are one unit (a review: Romette and Gap counted as two units of the 05).
    """
    outside = issues[(issues["kind"] == OUT_OF_SCOPE) & issues["code"].notna()]
    if outside.empty:
        return issues
    # An anomaly names its CPTS, not its identifier: a name shared by two CPTS of the listing cannot say whose
    # commune it is, and is left out rather than given to the wrong one.
    ids = single_id_by_name(members)
    codes = outside["code"].astype(str)
    if current:
        codes = codes.map(lambda c: current.get(c, c))
    extra = pd.DataFrame({"cpts": outside["cpts"].to_numpy(), "unit_code": codes.to_numpy()})
    extra["cpts_id"] = extra["cpts"].map(ids)
    # A CPTS with no loaded commune is not in the database; a commune listed twice counts once.
    extra = extra.dropna(subset=["cpts_id"]).drop_duplicates(["cpts_id", "unit_code"])
    region_of = {dep: region for region, deps in REGION_DEPARTEMENTS.items() for dep in deps}
    places = pd.DataFrame({"code": extra["unit_code"].to_numpy()})
    places["departement"] = places["code"].map(departement_of)
    places["region"] = places["departement"].map(region_of)
    spans = span_issues(pd.concat([members[["cpts_id", "cpts", "unit_code"]], extra], ignore_index=True),
                        pd.concat([units[["code", "departement", "region"]], places.drop_duplicates("code")],
                                  ignore_index=True), listing)
    kept = issues[~issues["kind"].isin(["multi_departements", "multi_regions"])]
    return pd.concat([kept, pd.DataFrame(spans, columns=issues.columns)], ignore_index=True)


def _perimeter_issues(parsed: gpd.GeoDataFrame, notes: list[str], listing: str) -> list[dict[str, Any]]:
    """Features left out (outside France, swapped coordinates) and file notes (CRS assumed)."""
    issues = [issue(listing, "note_crs", None, None, None, note) for note in notes]
    for row in parsed[parsed["anomalie"].notna()].itertuples(index=False):
        kind = "coordonnees_inversees" if row.anomalie == ANOMALY_SWAPPED else "hors_france"
        issues.append(issue(listing, kind, row.cpts, None, None,
                            f"{feature_label(row.feature)} (« {row.cpts} ») : {row.anomalie} ; périmètre écarté"))
    return issues


def resolve_listing(
    raw: pd.DataFrame | gpd.GeoDataFrame,
    cog_mapping: pd.DataFrame,
    units: pd.DataFrame,
    listing: str,
    points: pd.DataFrame | None = None,
    notes: list[str] | None = None,
) -> ListingResult:
    """Resolve a parsed listing and collect its content defects.

    Parameters
    ----------
    raw
        Output of :func:`~pipeline.sources.cpts_listing.parse.parse_listing_csv`,
        or the frame of :func:`~pipeline.sources.cpts_listing.parse.parse_listing_geojson`.
    cog_mapping
        Columns code, current_code, kind, nom.
    units
        Current communes and arrondissements municipaux: code, nom, type
        (``commune-actuelle`` / ``arrondissement-municipal``), parent,
        departement, region, population.
    listing
        Name of the listing.
    points
        Optional commune points (``code``, ``nom``, ``departement``, ``lon``,
        ``lat``; the whole country) to report probable homonyms
        (:mod:`pipeline.sources.cpts_listing.homonyms`).
    notes
        File notes of a GeoJSON listing (CRS assumed), reported as issues.

    Returns
    -------
    ListingResult
    """
    issues: list[dict[str, Any]] = unread_column_issues(raw, listing)
    frame = assign_ids(pd.DataFrame(raw), listing, issues)
    issues.extend(name_issues(frame, listing))
    perimeters = None
    if "code_insee" in frame.columns:
        issues.extend(status_issues(frame, listing))
        members, code_issues = resolve_codes(frame, cog_mapping, units, listing)
        issues.extend(code_issues)
        members, dup_issues = duplicate_issues(members, listing)
        issues.extend(dup_issues)
        issues.extend(span_issues(members, units, listing))
        issues.extend(postal_code_issues(members, units, listing) + commune_name_issues(frame, cog_mapping, units,
                                                                                         listing))
        if points is not None:
            issues.extend(homonym_issues(find_probable_homonyms(members, points), listing))
    else:
        members = pd.DataFrame(columns=MEMBER_COLUMNS)
        parsed = gpd.GeoDataFrame(frame.assign(listing=listing), geometry="geometry", crs=raw.crs)
        issues.extend(_perimeter_issues(parsed, notes or [], listing))
        perimeters, merged = one_perimeter_per_cpts(parsed[parsed["anomalie"].isna()][PERIMETER_COLUMNS])
        issues.extend(issue(listing, "entites_reunies", name, None, None, note) for name, note in merged)
    issue_frame = pd.DataFrame(issues, columns=ISSUE_COLUMNS)
    issue_frame["line"] = issue_frame["line"].astype("Int64")
    members["line"] = members["line"].astype("Int64")
    return ListingResult(members=members, issues=issue_frame, perimeters=perimeters)
