"""What every perimeter of a run shares: the analysis units, the listed CPTS's members and which units the
loaded listings speak for (:class:`PerimeterData`), with the helpers that map codes to analysis units.

Read once per process (:func:`pipeline.app.shared.read_shared`) and used by the pertinence section
(:mod:`pipeline.app.sections.pertinence`), the batch and the editor.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from pipeline.analysis.coverage.claims import known_units
from pipeline.app.coverage_listings import outside_codes
from pipeline.app.flow_model import GpFlows
from pipeline.geography import arrondissements_of
from pipeline.model import Territory
from pipeline.store.queries import perimeter as perimeter_queries


@dataclass
class PerimeterData:
    """What the pertinence of several perimeters shares (read once by the batch, or per diagnostic).

    Attributes
    ----------
    units
        :func:`pipeline.store.queries.perimeter.analysis_units`.
    members
        :func:`pipeline.store.queries.listings.members`.
    flows
        GP flows covering every unit within the model's cutoff of the
        perimeters to come (a région's table), or None to model each
        perimeter's surroundings.
    anomalies
        :func:`pipeline.store.queries.listings.anomalies`: a CPTS's codes beyond the load count where it is rooted.
    """

    units: pd.DataFrame
    members: pd.DataFrame
    flows: GpFlows | None = None
    anomalies: pd.DataFrame | None = None
    #: :func:`pipeline.app.sections.taille.claims_beyond` of the listings' codes beyond the load (the diagnostic's
    #: and the editor's rooting as the coverage's); None: counted by units.
    beyond: tuple[pd.DataFrame, pd.DataFrame] | None = None
    _member_units: pd.DataFrame | None = None
    _outside: tuple[dict[str, int], dict[str, int]] | None = None
    _claimed: frozenset[str] | None = None
    _known: frozenset[str] | None = None

    def outside_the_load(self, con: duckdb.DuckDBPyConnection) -> tuple[dict[str, int], dict[str, int]]:
        """Analysis units of each bassin de vie and EPCI beyond the loaded départements, computed once.

        The zone's units in the whole country (:func:`pipeline.store.queries.perimeter.zone_sizes`, counted
        as :attr:`units` counts them) less its loaded ones: none on a national database.
        """
        if self._outside is None:
            bv, epci = perimeter_queries.zone_sizes(con)

            def beyond(sizes: dict[str, int], column: str) -> dict[str, int]:
                here = self.units.dropna(subset=[column]).groupby(column)["code"].nunique()
                return {z: n - int(here.get(z, 0)) for z, n in sizes.items() if n > int(here.get(z, 0))}

            self._outside = (beyond(bv, "bv2022"), beyond(epci, "epci"))
        return self._outside

    def known_units(self) -> frozenset[str]:
        """The analysis units whose claims the loaded listings tell, computed once.

        The rule of the coverage (:func:`pipeline.analysis.coverage.claims.known_units`): those of a département
        where at least two CPTS of the loaded listings are rooted (more than half of each lies there), or of which
        the claimed units hold half of the inhabitants and a quarter of the units. A CPTS reaching across a
        régional border (Drôme Provençale – Enclave des Papes, of the PACA listing) does not make its neighbouring
        département known: « claimed by none » there would mean « no listing of it loaded ».
        """
        if self._known is None:
            known = known_units(self.claimed_units(), self.units, self._cpts_claims(),
                                None if self.beyond is None else self.beyond[1])
            # A city as a whole (a FLUX= table names it so) is known where its arrondissements are.
            cities = self.units.loc[self.units["code"].astype(str).isin(known), "commune"].dropna().astype(str)
            self._known = known | frozenset(cities)
        return self._known

    def _cpts_claims(self) -> pd.DataFrame:
        """``cpts_id``, ``unit_code`` of every listed CPTS, with its codes beyond the load (where it is rooted).

        The listings' own ``cpts_id``, which a CPTS named in two listings keeps: counted once, as the coverage
        does (a code review: two listings of one CPTS made it two CPTS rooted in its département).
        """
        ids = self.members[["listing", "cpts", "cpts_id"]].astype(str).drop_duplicates()
        loaded = self.member_units().merge(ids, on=["listing", "cpts"])[["cpts_id", "code"]]
        rows = [loaded.rename(columns={"code": "unit_code"}).astype(str)]
        if self.beyond is not None:
            rows.append(self.beyond[0].astype(str))
        elif self.anomalies is not None:
            rows.append(outside_codes(self.members, self.anomalies))
        return pd.concat(rows, ignore_index=True)

    def known_regions(self) -> frozenset[str]:
        """Codes of the régions with a unit of :meth:`known_units` (some listing speaks for part of them)."""
        known = self.units["code"].astype(str).isin(self.known_units())
        return frozenset(self.units.loc[known, "region"].dropna().astype(str))

    def claimed_units(self) -> frozenset[str]:
        """Analysis units some loaded listing claims (a city claimed whole: its arrondissements), computed once."""
        if self._claimed is None:
            codes = sorted(set(self.members["unit_code"].astype(str)))
            self._claimed = frozenset(analysis_codes(codes, split_cities(self.units)))
        return self._claimed

    def member_units(self) -> pd.DataFrame:
        """:func:`member_units` of :attr:`members`, computed once."""
        if self._member_units is None:
            self._member_units = member_units(self.members, split_cities(self.units))
        return self._member_units


def zone_totals(units: pd.DataFrame, outside: tuple[dict[str, int], dict[str, int]]) -> dict[str, dict[str, int]]:
    """Units of each bassin de vie and EPCI of ``units`` in the whole country: its units in ``units`` (analysis
    units, or communes when a ``FLUX=`` table folds the cities) plus those beyond the load
    (:meth:`PerimeterData.outside_the_load`). The editor and the diagnostic count a zone crossing the loaded
    départements (``make data --departements``) the same way."""
    totals: dict[str, dict[str, int]] = {}
    for column, more in zip(("bv2022", "epci"), outside, strict=True):
        loaded = units.dropna(subset=[column]).groupby(column)["code"].nunique()
        totals[column] = {str(z): int(n) + more.get(str(z), 0) for z, n in loaded.items()}
    return totals


def split_cities(units: pd.DataFrame) -> set[str]:
    """Cities replaced by their arrondissements among the analysis units."""
    return set(units.loc[units["type"] == "arrondissement-municipal", "commune"].astype(str))


def analysis_codes(codes: list[str], cities: set[str]) -> list[str]:
    """Unit codes on the analysis geography: a split city (75056, 69123, 13055) becomes its arrondissements."""
    out: set[str] = set()
    for code in map(str, codes):
        out.update(arrondissements_of(code) if code in cities else [code])
    return sorted(out)


def member_units(members: pd.DataFrame, cities: set[str]) -> pd.DataFrame:
    """``code`` (analysis unit), ``cpts``, ``listing`` of every listed CPTS, a split city as its arrondissements."""
    rows = [(unit, str(name), str(listing))
            for code, name, listing in zip(members["unit_code"].astype(str), members["cpts"], members["listing"],
                                           strict=True)
            for unit in (arrondissements_of(code) if code in cities else [code])]
    return pd.DataFrame(rows, columns=["code", "cpts", "listing"]).drop_duplicates()


def claims(units: pd.DataFrame, territory: Territory | None = None) -> pd.Series:
    """Sorted names of the CPTS claiming each analysis unit (lists, indexed by unit code).

    ``units``: :func:`member_units`. The territory's own CPTS (same name and
    listing, as in the neighbours table) is left out.
    """
    if territory is not None and (own := territory.own_listing_entry) is not None:
        units = units[~((units["cpts"] == own[0]) & (units["listing"] == own[1]))]
    names = units[["code", "cpts"]].drop_duplicates().sort_values(["code", "cpts"])
    return names.groupby("code", sort=False)["cpts"].agg(list)


def known_claims(units: pd.DataFrame, member_rows: pd.DataFrame, known: frozenset[str],
                 territory: Territory | None = None) -> pd.Series:
    """The CPTS claiming each unit of ``units`` (lists, aligned on it; empty: none), None where nobody can know:
    a unit claimed by no loaded CPTS outside what the loaded listings speak for (``known``,
    :meth:`PerimeterData.known_units`): a Corsican or Drôme commune beside a PACA listing is not « claimed by
    none ». A claim found is known wherever the unit lies (a PACA CPTS holding Drôme communes). A city whole (a
    ``FLUX=`` table names Marseille 13055) is claimed by the CPTS of its arrondissements (a review: « aucune »)."""
    # A plain dict: looked up once per unit of a whole flow domain (35 000 communes of France), where a
    # Series' index lookups took a tenth of a second of a diagnostic.
    by_unit: dict[str, list[str]] = claims(member_rows, territory).to_dict()

    def of(code: str) -> list[str]:
        if code in by_unit:
            return list(by_unit[code])
        return sorted({name for unit in arrondissements_of(code) for name in by_unit.get(unit, [])})

    codes = units["code"].astype(str).tolist()  # a list: an Arrow column iterates value by value, slowly
    return pd.Series([names if (names := of(code)) or code in known else None for code in codes],
                     index=units.index, dtype=object)
