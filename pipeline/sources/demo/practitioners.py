"""Fictitious practitioners and their activity sites, year after year.

Densities (practitioners per 100 000 inhabitants, all exercise modes) are
rounded national orders of magnitude from DREES, « Démographie des
professionnels de santé » (RPPS/Adeli, 1er janvier 2021-2023,
https://drees.solidarites-sante.gouv.fr): about 339 médecins per 100 000 in
2021 (≈150 généralistes, the rest specialists), about 1 100 infirmiers
(Adeli, which over-counts inactive nurses; 950 is used here), about 150
masseurs-kinésithérapeutes, 110 pharmaciens, 65 chirurgiens-dentistes,
35 sages-femmes. They are inputs of a simulation, not statistics: never
report them as observed figures.

Turnover between two yearly extractions, per profession: :data:`DEPARTURES`
of the practitioners leave, :data:`ARRIVALS` (of the previous count) arrive
with new identifiers, :data:`MOVES` of those who stay move to another
commune; everybody else keeps identifier, sites, mode and secteur.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.sources.demo.places import Places

#: (profession code, label of the group in this table, per 100 000 inhabitants,
#: share libéral, population exponent of the placement weight).
DENSITES: tuple[tuple[str, str, float, float, float], ...] = (
    ("10", "generalistes", 150.0, 0.60, 1.05),
    ("10", "specialistes", 185.0, 0.45, 1.30),
    ("60", "infirmiers", 950.0, 0.20, 1.05),
    ("70", "kines", 150.0, 0.85, 1.05),
    ("21", "pharmaciens", 110.0, 0.40, 1.00),
    ("40", "dentistes", 65.0, 0.85, 1.10),
    ("50", "sages-femmes", 36.0, 0.35, 1.20),
    ("91", "orthophonistes", 39.0, 0.85, 1.10),
    ("92", "orthoptistes", 9.0, 0.70, 1.25),
    ("80", "podologues", 21.0, 0.95, 1.10),
    ("93", "psychologues", 110.0, 0.40, 1.20),
    ("94", "ergotherapeutes", 20.0, 0.15, 1.15),
    ("96", "psychomotriciens", 20.0, 0.30, 1.15),
    ("95", "dieteticiens", 20.0, 0.40, 1.15),
    ("98", "manipulateurs", 55.0, 0.05, 1.30),
)

#: Share of specialists per TRE_R38 code (rounded orders of magnitude).
SPECIALISTES: dict[str, float] = {
    "SM42": 12.0, "SM02": 9.0, "SM20": 6.0, "SM19": 1.0, "SM40": 6.0, "SM38": 5.5, "SM44": 7.0, "SM04": 6.0,
    "SM03": 3.0, "SM15": 3.0, "SM24": 3.0, "SM14": 3.0, "SM08": 4.0, "SM39": 2.5, "SM32": 2.5, "SM41": 2.5,
    "SM48": 2.0, "SM27": 2.0, "SM59": 5.0, "SM18": 2.0, "SM25": 4.0, "SM36": 1.5, "SM30": 1.5, "SM12": 1.5,
    "SM49": 1.0, "SM43": 1.0,
}  # fmt: skip
GENERALISTES: dict[str, float] = {"SM54": 70.0, "SM26": 25.0, "SM53": 5.0}

#: Share of practitioners with a second activity site.
PART_MULTI_SITES = 0.05
#: Yearly turnover, per profession: departures, arrivals (of the previous count), moves of those who stay.
DEPARTURES = 0.04
ARRIVALS = 0.045
MOVES = 0.03

PEOPLE_COLUMNS = ("person", "profession", "kind", "sf", "liberal", "site")
ROW_COLUMNS = ("person", "slot", "profession", "sf", "site", "arrondissement", "mode", "secteur", "section")

# Text columns are categoricals with fixed categories: concatenations across years keep them categorical,
# and the writer turns their codes into Arrow dictionaries without hashing a million strings.
PROFESSIONS: tuple[str, ...] = tuple(dict.fromkeys(d[0] for d in DENSITES))
KINDS: tuple[str, ...] = tuple(d[1] for d in DENSITES)
SAVOIR_FAIRE: tuple[str, ...] = ("", *GENERALISTES, *SPECIALISTES)
MODES: tuple[str, ...] = ("L", "S", "B")
SECTEURS: tuple[str, ...] = ("SA07", "SA08", "SA09", "SA52", "SA01", "SA04", "SA03", "SA05", "SA17", "SA16", "SA33")
SECTIONS: tuple[str, ...] = ("", "A", "D", "G")


def _cat(codes: np.ndarray, categories: tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int8), categories=list(categories))


def expected_rows(total_population: float) -> float:
    """Activity rows of one extraction at the densities of :data:`DENSITES`."""
    return total_population / 100_000 * sum(d[2] for d in DENSITES) * (1 + PART_MULTI_SITES)


def _savoir_faire(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Codes (in :data:`SAVOIR_FAIRE`) of the ordinal specialty of ``n`` practitioners of ``kind``."""
    table = GENERALISTES if kind == "generalistes" else SPECIALISTES if kind == "specialistes" else {}
    if not table:
        return np.zeros(n, dtype=np.int64)
    codes = np.array([SAVOIR_FAIRE.index(code) for code in table])
    shares = np.array(list(table.values()))
    return codes[rng.choice(len(codes), size=n, p=shares / shares.sum())]


def new_people(places: Places, rng: np.random.Generator, counts: dict[str, int], first_person: int) -> pd.DataFrame:
    """``counts[kind]`` new practitioners of each kind, numbered from ``first_person``, placed by population."""
    blocks = []
    for code, kind, _density, liberal, exponent in DENSITES:
        n = max(counts.get(kind, 0), 0)
        blocks.append(pd.DataFrame({
            "profession": _cat(np.full(n, PROFESSIONS.index(code)), PROFESSIONS),
            "kind": _cat(np.full(n, KINDS.index(kind)), KINDS),
            "sf": _cat(_savoir_faire(kind, n, rng), SAVOIR_FAIRE),
            "liberal": rng.random(n) < liberal,
            "site": rng.choice(len(places.communes), size=n, p=places.weights(exponent)),
        }))  # fmt: skip
    people = pd.concat(blocks, ignore_index=True)
    people.insert(0, "person", np.arange(first_person, first_person + len(people), dtype=np.int64))
    return people


def activity_rows(people: pd.DataFrame, places: Places, rng: np.random.Generator) -> pd.DataFrame:
    """Activity rows of ``people``: the main site, and a second one in the same département for some."""
    multi = rng.random(len(people)) < PART_MULTI_SITES
    second = people[multi].copy()
    deps = places.communes["departement"].to_numpy()
    pop = places.population
    second_site = np.empty(len(second), dtype=np.int64)
    second_deps = deps[second["site"].to_numpy(dtype=np.int64)]
    for dep in np.unique(second_deps):
        idx = np.flatnonzero(deps == dep)
        rows = np.flatnonzero(second_deps == dep)
        w = np.power(pop[idx], 1.2)
        second_site[rows] = idx[rng.choice(len(idx), size=len(rows), p=w / w.sum())]
    second["site"] = second_site
    rows = pd.concat([people.assign(slot=0), second.assign(slot=1)], ignore_index=True)
    rows = rows.sort_values(["person", "slot"], kind="stable").reset_index(drop=True)
    n = len(rows)
    s = {code: index for index, code in enumerate(SECTEURS)}
    mode = np.where(rows["liberal"].to_numpy(dtype=bool), 0, 1)
    mode = np.where(rng.random(n) < 0.005, 2, mode)
    liberal = mode == 0
    u = rng.random(n)
    cabinet = np.select([u < 0.45, u < 0.80, u < 0.90], [s["SA07"], s["SA08"], s["SA09"]], s["SA52"])
    salarie = np.select(
        [u < 0.55, u < 0.70, u < 0.78, u < 0.86, u < 0.96],
        [s["SA01"], s["SA04"], s["SA03"], s["SA05"], s["SA17"]],
        s["SA16"],
    )
    secteur = np.where(liberal, cabinet, salarie)
    pharma = (rows["profession"] == "21").to_numpy(dtype=bool)
    secteur = np.where(pharma & liberal, s["SA33"], secteur)
    secteur = np.where(pharma & ~liberal, np.where(u < 0.7, s["SA33"], s["SA01"]), secteur)
    section = np.where(pharma, np.where(rng.random(n) < 0.09, 3, np.where(liberal, 1, 2)), 0)
    rows["mode"] = _cat(mode, MODES)
    rows["secteur"] = _cat(secteur, SECTEURS)
    rows["section"] = _cat(section, SECTIONS)
    rows["site"] = rows["site"].astype(np.int64)
    rows["arrondissement"] = places.arrondissement_of(rows["site"].to_numpy(), rng)
    # A second site drawn in the same commune, sector and mode as the first would write the same line twice:
    # a real extraction has no such line (the loader reports it as « activite_en_double »).
    return rows[list(ROW_COLUMNS)].drop_duplicates([c for c in ROW_COLUMNS if c != "slot"]).reset_index(drop=True)


def first_year(places: Places, rng: np.random.Generator, scale: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """People and activity rows of the oldest extraction."""
    total = float(places.population.sum())
    counts = {kind: round(total / 100_000 * density * scale) for _c, kind, density, _l, _e in DENSITES}
    people = new_people(places, rng, counts, 0)
    return people, activity_rows(people, places, rng)


def next_year(
    people: pd.DataFrame, rows: pd.DataFrame, places: Places, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """People and rows one year later: departures, moves and arrivals (see the module docstring)."""
    leave = rng.random(len(people)) < DEPARTURES
    move = ~leave & (rng.random(len(people)) < MOVES)
    exponent = {kind: e for _c, kind, _d, _l, e in DENSITES}
    moved = people[move].copy()
    for kind, index in moved.groupby("kind").groups.items():
        moved.loc[index, "site"] = rng.choice(len(places.communes), size=len(index), p=places.weights(exponent[kind]))
    counts = people.groupby("kind").size()
    arrivals = new_people(places, rng, {k: round(int(n) * ARRIVALS) for k, n in counts.items()},
                          int(people["person"].max()) + 1 if len(people) else 0)
    unchanged = people[~leave & ~move]
    kept_rows = rows[rows["person"].isin(unchanged["person"])]
    new_rows = activity_rows(pd.concat([moved, arrivals], ignore_index=True), places, rng)
    people = pd.concat([unchanged, moved, arrivals], ignore_index=True).sort_values("person").reset_index(drop=True)
    rows = pd.concat([kept_rows, new_rows], ignore_index=True).sort_values(["person", "slot"], kind="stable")
    return people, rows.reset_index(drop=True)
