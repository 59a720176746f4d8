"""The ``AJOUT=`` scenario read as the other inputs are: a team's words for a group, former commune codes, and
the places a change cannot be modelled on (French errors), with notes on what was read so."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import duckdb

from pipeline.app.sections.units import domain_cities
from pipeline.errors import PipelineError
from pipeline.geography import (
    arrondissement_from_postcode,
    arrondissement_label,
    arrondissements_of,
    commune_of_unit,
    departement_of,
    of_place,
    paris_postal_arrondissement,
)
from pipeline.model import WhatIfChange
from pipeline.model.options import WhatIfSyntaxError
from pipeline.render.report import format_number
from pipeline.render.sections.common import agree
from pipeline.sources.adherents import profession_group
from pipeline.sources.cpts_listing.postal import CITIES as POSTAL_CITIES
from pipeline.store.queries import geography
from pipeline.store.territory.codes import outside_the_load


def what_if_as_read(con: duckdb.DuckDBPyConnection, changes: Iterable[WhatIfChange],
                    groups: Iterable[str]) -> list[WhatIfChange]:
    """The scenario read as ``FLUX=`` and ``ADHERENTS=`` are: a group in a team's words (« MG », « médecin
    généraliste ») as its group among ``groups`` (those the model has recourse rates for), a former commune code
    (« 04003 », merged into 04081) as its current commune when it has one only."""
    changes, known = list(changes), {g.casefold(): g for g in groups}
    mapping = geography.cog_mapping(con, {c.commune for c in changes})
    former = mapping[mapping["kind"] != "arrondissement"]  # an arrondissement is modelled as itself, not its city
    current = former.groupby("code")["current_code"].agg(lambda codes: sorted(set(codes)))
    out = []
    for k, change in enumerate(changes, start=1):
        worded = profession_group(change.groupe, beside_other_words=False)
        if worded is not None and worded.casefold() not in known:
            # A profession of the Trame the model has no recourse rates for (pharmaciens, sages-femmes): not an
            # « unknown group » (a review).
            raise WhatIfSyntaxError(
                f"Scénario : élément {k}, profession « {change.groupe} » ({worded}) non modélisée : l'APL approchée "
                "ne couvre que les professions dont le modèle de recours a des taux ("
                + ", ".join(sorted(known.values())) + ").")
        # A group no profession word names is refused later, in the words the user typed.
        groupe = known[worded.casefold()] if worded is not None else change.groupe
        merged = current.get(change.commune, [])
        if (arrondissement := paris_postal_arrondissement(change.commune)) is not None:
            # Read as the Seine commune it was before 1968, it put a Paris 19e GP in Châtenay-Malabry (a review);
            # TERRITORY= and FLUX= refuse the same codes.
            raise PipelineError(
                f"Simulation : élément {k}, {change.commune} est le code postal de "
                f"{arrondissement_label(arrondissement)} (code INSEE {arrondissement})"
                + (f" et l'ancien code, avant 1968, d'une commune aujourd'hui {merged[0]}" if merged else "")
                + " : indiquez le code INSEE voulu")
        out.append(WhatIfChange(groupe, change.delta, merged[0] if len(merged) == 1 else change.commune))
    return out


def check_what_if_loaded(con: duckdb.DuckDBPyConnection, changes: list[WhatIfChange]) -> None:
    """Refuse, in French, a what-if change placed on a commune of a département the database was not loaded for,
    saying so and how to load it: « inconnu » sent the user looking for a typo in a real code (a review), and a
    commune whose name the database knows there (every commune of France has one) read « hors du voisinage du
    territoire » where it is a few kilometres away (a review: Tallard, 05170, beside Curbans)."""
    for change in changes:
        if said := outside_the_load(con, departement_of(change.commune)):
            raise PipelineError(f"Simulation : commune {change.commune}{said}")


def check_what_if_places(changes: list[WhatIfChange], domain: set[str], known: set[str] | None = None,
                         typed: Mapping[str, str] | None = None, territory: Iterable[str] = ()) -> None:
    """Refuse, in French, a what-if change placed on a commune the database does not know (``known``: the
    codes of the changes it knows), outside the domain, or on a city modelled by arrondissement; a former code
    is named as typed, with its current commune (``typed``: current code → code typed)."""
    typed = typed or {}
    unknown = [c.commune for c in changes if known is not None and c.commune not in known]
    if unknown:
        raise PipelineError("Simulation : code(s) INSEE inconnu(s) de la base (ni commune ni arrondissement des "
                            "départements chargés) : " + ", ".join(unknown))
    cities = [c.commune for c in changes if c.commune in domain_cities(domain)]
    if cities:
        first = arrondissements_of(cities[0])
        raise PipelineError(
            "Simulation : " + ", ".join(sorted(set(cities))) + " est modélisée par arrondissement ; indiquez le "
            f"code de l'arrondissement ({first[0]} à {first[-1]})")
    # A unit of the territory outside the model's zone (a territory of Digne, Mamoudzou and Saint-Denis is modelled
    # around one of them): not « hors du voisinage du territoire », which it is not (a review).
    members = sorted({c.commune for c in changes if c.commune not in domain and c.commune in set(territory)})
    if members:
        raise PipelineError("Simulation : " + ", ".join(members) + " " + agree(len(members), "est", "sont")
                            + " dans le territoire, mais hors de la zone du modèle de recours, qui ne couvre qu'une "
                            "partie du territoire (voir les notes des flux) : la simulation n'y est pas possible")
    outside = [f"{typed[c.commune]} (commune actuelle {c.commune})" if c.commune in typed else c.commune
               for c in changes if c.commune not in domain]
    if outside:
        raise PipelineError("Simulation : commune(s) hors du voisinage du territoire : " + ", ".join(outside))


def what_if_notes(read: list[WhatIfChange], typed: Mapping[str, str]) -> list[str]:
    """French notes on a scenario as read: former codes read as their current commune (« 04003 lu comme
    04081 »), and elements on the same group and commune, whose changes add up (a review: « MG:2@04166;
    MG:2@04166 » made +4 without a word)."""
    notes = [f"Simulation : {old} lu comme {new} (commune actuelle)" for new, old in sorted(typed.items())]
    seen: dict[tuple[str, str], list[int]] = {}
    for k, change in enumerate(read, start=1):
        seen.setdefault((change.groupe, change.commune), []).append(k)
    for (groupe, commune), items in seen.items():
        if len(items) > 1:
            total = sum(read[k - 1].delta for k in items)
            notes.append(f"Simulation : les éléments {', '.join(map(str, items[:-1]))} et {items[-1]} portent tous "
                         f"sur les {groupe.lower()} de {commune} : leurs variations s'ajoutent "
                         f"({'+' if total > 0 else ''}{format_number(total, 1 if total % 1 else 0)})")
    return notes


def postal_code_notes(changes: list[WhatIfChange], names: Mapping[str, str], unit_codes: Iterable[str]) -> list[str]:
    """A note for each change placed on a code that is also the postal code of an arrondissement of Lyon or
    Marseille held by the territory: « 69003 » is Albigny-sur-Saône's INSEE code and Lyon 3e's postal code (a
    review: the professionals were placed 12 km away from the Lyon 3e the user meant, without a word)."""
    held = {commune_of_unit(str(code)) for code in unit_codes}
    notes = []
    for code in sorted({c.commune for c in changes}):
        for city in sorted(held & set(POSTAL_CITIES)):
            arrondissement = arrondissement_from_postcode(city, code)
            if arrondissement is not None and arrondissement != code:
                label = arrondissement_label(arrondissement)
                notes.append(f"Simulation : {code} est le code INSEE {of_place(names.get(code, code))}, où le "
                             f"scénario place ses professionnels ; c'est aussi le code postal de {label}, dont le code "
                             f"INSEE est {arrondissement}")
    return notes
