"""``FLUX=`` tables from an independent review: rows all set aside, volumes with a comma, no profession column,
no row of the territory's residents, Marseille's arrondissements as destinations of another territory.

Known answers are computed by hand from the few rows each test writes, on the fixture database (04, 13, 33,
75, 976); the Verdon CPTS holds Riez (04166) and Saint-Julien-d'Asse (04182), not Manosque (04112).
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from pipeline.app.diagnostic import compute
from pipeline.app.flow_model import NO_PROFESSION_NOTE
from pipeline.app.sections.flow_table import EMPTY_TABLE
from pipeline.errors import DataError
from pipeline.model import DiagnosticOptions
from pipeline.model.diagnostic import Diagnostic
from pipeline.render.csv_files import csv_text
from pipeline.render.sections.pertinence import pertinence_section
from pipeline.render.tables import flow_lines, table_specs
from pipeline.sources.od_table import read_od_table
from pipeline.store.territory import resolve_territory

pytestmark = [pytest.mark.mirror]

VERDON = "cpts:CPTS du Verdon"


def written(tmp_path: Path, text: str, name: str = "flux.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


#: Riez (04166), whose rows the tables below give.
RIEZ = "communes:04166"


def diagnostic(con: duckdb.DuckDBPyConnection, flows: Path, spec: str = VERDON) -> Diagnostic:
    return compute(con, resolve_territory(con, spec), DiagnosticOptions(territory=spec, flows=flows))


@pytest.mark.parametrize("row", ["83012;04094;100", "ABCDE;04094;100", "4094.5;04094;100"])
def test_a_table_whose_rows_are_all_set_aside_is_not_available_and_says_why(
        db: duckdb.DuckDBPyConnection, tmp_path: Path, row: str) -> None:
    """It crashed (« TypeError: operation 'radd' not supported », exit 1) in the bassins de vie's table."""
    d = diagnostic(db, written(tmp_path, f"origine;destination;volume\n{row}\n"))
    assert d.flows is not None and d.flows.unavailable == EMPTY_TABLE
    assert d.pertinence is not None and not d.pertinence.available
    specs = {s.key: s for s in table_specs(d)}
    # The zones cut come from the zonings alone: still written; the candidates say « non disponible », not « none ».
    assert len(specs["pertinence_zones_coupees"].frame) == len(d.pertinence.cut_zones) > 0
    for key in ("pertinence_candidats", "pertinence_a_examiner"):
        assert csv_text(specs[key]).splitlines()[1].startswith(f'"non disponible : {d.pertinence.unavailable}"')
    assert "flux_synthese" not in specs


def test_a_comma_that_may_group_thousands_is_refused_like_a_dot(tmp_path: Path) -> None:
    """« 1,500 » read as 1,5 made Riez keep 0,19 % of its consultations; read as 1 500 it keeps 65,2 %."""
    path = written(tmp_path, "origine;destination;volume\n04166;04166;1,500\n04166;04112;800\n04031;04166;1,200\n")
    with pytest.raises(DataError) as error:
        read_od_table(str(path))
    message = str(error.value)
    assert "ligne 2" in message and "volume ambigu « 1,500 » : virgule des milliers ou virgule décimale" in message
    assert "ligne 4" in message and "« 1,200 »" in message
    # One decimal comma elsewhere in the file tells how to read the others: 1,5 and 1,2.
    table = read_od_table(str(written(tmp_path, "origine;destination;volume\n04166;04166;1,500\n"
                                                "04166;04112;12,5\n", "decimales.csv")))
    assert sorted(table.table["volume"]) == [1.5, 12.5]


def test_a_table_without_profession_draws_its_gp_flows(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """Read as GP consultations by the pertinence, it had no flows map and its synthesis said « non précisé »."""
    # Riez alone: a table of Riez's rows read for the whole Verdon would leave out most of its inhabitants.
    d = diagnostic(db, written(tmp_path, "origine;destination;volume\n04166;04166;500\n04166;04112;100\n"), RIEZ)
    assert d.flows is not None and d.flows.available
    assert list(d.flows.synthesis["groupe"]) == ["Médecins généralistes"]
    assert d.flows.synthesis.loc[0, "auto_confinement"] == pytest.approx(500 / 600)
    # « Non affectés » (the model's demand with no supply within reach) is nothing a table tells: unknown, not 0.
    assert math.isnan(d.flows.synthesis.loc[0, "non_affecte"])
    assert flow_lines(d) is not None
    assert d.notes.count(NO_PROFESSION_NOTE) == 1
    assert d.pertinence is not None and d.pertinence.self_containment == pytest.approx(500 / 600)


def test_a_table_without_rows_of_the_residents_does_not_give_them_zero(
        db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """Manosque's consultations only: the Verdon's residents are not in the table (« non disponible »), nor are
    their consultations made inside the territory: the consultations made there are not 0 but unknown (a review:
    « Recours réalisés dans le territoire 0 » beside residents « non disponible »)."""
    d = diagnostic(db, written(tmp_path, "origine;destination;volume;profession\n04112;04112;100;MG\n"))
    assert d.flows is not None and d.flows.available
    row = d.flows.synthesis.set_index("groupe").loc["Médecins généralistes"]
    for column in ("recours_residents", "recours_internes", "auto_confinement", "fuites"):
        assert math.isnan(row[column]), column
    assert math.isnan(row["recours_realises"]) and math.isnan(row["attraction"])


def test_marseille_is_one_destination_of_a_territory_holding_none_of_it(
        db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """Riez's 720 consultations: 500 at home, 100 in Manosque, 40 each to 13055, 13201 and 13206 (Marseille 120,
    16,7 %, first outside destination; it was three rows of 40 below Manosque). Riez alone is the territory: of
    the Verdon, its residents' shares would be unknown (12 % of the inhabitants)."""
    d = diagnostic(db, written(tmp_path, "origine;destination;volume;profession\n04166;04166;500;MG\n"
                                         "04166;04112;100;MG\n04166;13055;40;MG\n04166;13201;40;MG\n"
                                         "04166;13206;40;MG\n"), "communes:04166")
    assert d.flows is not None
    dest = d.flows.external_destinations
    assert list(dest["destination"]) == ["13055", "04112"]
    assert list(dest["volume"]) == [120, 100]
    assert dest["part_des_residents"].tolist() == pytest.approx([120 / 720, 100 / 720])


def test_figures_of_a_given_table_carry_no_demonstration_warning_and_none_is_an_answer(
        db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """The registry of the fixture database is the demonstration one; these figures owe nothing to it. No commune
    sends Riez anything: « aucune commune candidate à l'ajout », not « aucune donnée » (read as missing)."""
    d = diagnostic(db, written(tmp_path, "origine;destination;volume;profession\n04166;04166;500;MG\n"
                                         "04166;04112;500;MG\n"), RIEZ)
    specs = {s.key: s for s in table_specs(d)}
    for key in ("flux_synthese", "pertinence_candidats", "pertinence_a_examiner", "pertinence_zones_coupees"):
        assert not specs[key].demo, key
    assert specs["offre"].demo
    assert csv_text(specs["pertinence_candidats"]).splitlines()[1].startswith('"aucune commune candidate à l\'ajout"')
    # Riez keeps exactly half (500 of 1 000): not « à examiner » (below half); the wording says the thresholds.
    assert d.pertinence is not None and d.pertinence.to_examine.empty
    # Manosque's 100 000 consultations (some 4 per inhabitant): all its residents', half of them to Riez.
    d = diagnostic(db, written(tmp_path, "origine;destination;volume;profession\n04166;04166;500;MG\n"
                                         "04166;04112;501;MG\n04112;04166;50000;MG\n04112;04112;50000;MG\n",
                               "b.csv"), RIEZ)
    paragraphs = " ".join(pertinence_section(d)["paragraphs"])
    # One commune each: the sentences agree with it (« 1 commune(s) … envoient … leurs habitants » before).
    assert "1 commune hors du territoire y envoie au moins 50\u202f% des recours de ses habitants ; en l'ajoutant" \
        in paragraphs
    assert ("1 commune du territoire voit moins de 50\u202f% des recours de ses habitants réalisés dans le "
            "territoire : son rattachement") in paragraphs


def test_a_table_of_the_flows_into_the_territory_only_says_its_neighbours_shares_are_not_known(
        db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """A review: an outside unit whose only row goes into the territory gets a share of 100 % towards it and is
    proposed as a candidate; a table of the flows touching the territory only does that for every neighbour."""
    from pipeline.app.sections.flow_table import read_flow_table

    units = ["04166", "04182"]  # Riez, Saint-Julien-d'Asse
    into_only = written(tmp_path, "origine;destination;volume\n04166;04166;900\n04166;04112;100\n"
                                  "04031;04166;50\n04112;04182;30\n", "entrants.csv")
    _, notes, caveats = read_flow_table(db, into_only, units)
    caveat = ("Table origine–destination : aucune des 2 unités hors du territoire qu'elle donne comme origine n'a "
              "de recours ailleurs que dans le territoire ; si la table ne contient que les flux touchant le "
              "territoire, la part de recours vers le territoire des unités voisines (100 % par construction) ne "
              "dit rien de leur bassin réel : communes candidates à vérifier avec une table complète")
    assert caveat in caveats and caveat in notes
    one = written(tmp_path, "origine;destination;volume\n04166;04166;900\n04031;04166;50\n", "une.csv")
    assert any(c.startswith("Table origine–destination : la seule unité hors du territoire qu'elle donne comme "
                            "origine n'a aucun recours ailleurs") for c in read_flow_table(db, one, units)[2])
    # One neighbour with a consultation elsewhere (Manosque's residents in Manosque): a complete table, no caveat.
    complete = written(tmp_path, "origine;destination;volume\n04166;04166;900\n04031;04166;50\n04112;04182;30\n"
                                 "04112;04112;700\n", "complete.csv")
    assert not any("ailleurs que dans le territoire" in c for c in read_flow_table(db, complete, units)[2])
    # Only the residents' rows: no neighbour to say anything of.
    residents = written(tmp_path, "origine;destination;volume\n04166;04166;900\n04166;04112;100\n", "habitants.csv")
    assert not any("ailleurs que dans le territoire" in c for c in read_flow_table(db, residents, units)[2])


def test_postal_codes_of_marseille_s_arrondissements_are_read_as_communes_and_said(
        db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """A review: 13001 and 13002, Marseille 1er's and 2e's postal codes, are Aix-en-Provence's and Allauch's INSEE
    codes; a table giving the arrondissements so made the territory's self-containment 16 % without a word.
    By hand: two pairs to 13001 and 13002, 50 000 + 30 000 consultations."""
    from pipeline.app.sections.flow_table import read_flow_table

    table = written(tmp_path, "Commune d'origine;Code commune destination;Nombre de recours\n13201;13001;50000\n"
                              "13201;13201;10000\n13202;13002;30000\n13202;13201;5000\n")
    _, notes, caveats = read_flow_table(db, table, ["13201", "13202"])
    caveat = ("Table origine–destination : 13001 (Aix-en-Provence, pas Marseille 1er), 13002 (Allauch, pas "
              "Marseille 2e) : codes INSEE de ces communes, lus comme tels, et codes postaux d'arrondissements de "
              "Marseille (2 couples, 80\u202f000 recours) ; si la table désigne ainsi des arrondissements, remplacez "
              "ces codes par les codes INSEE des arrondissements (13201 à 13216), sans quoi leurs recours comptent "
              "hors du territoire")
    assert caveat in caveats and caveat in notes
    # Outside Marseille, Aix-en-Provence is only Aix-en-Provence; and in a territory holding it, it is the
    # territory's own unit whichever the reading (a review).
    assert not any("codes postaux" in c for c in read_flow_table(db, table, ["13001"])[2])
    assert not any("13001 (Aix" in c for c in read_flow_table(db, table, ["13201", "13202", "13001"])[2])
    # A table naming the city's other arrondissements by INSEE code reads 13001 as Aix-en-Provence: no Réserve
    # (a review: every correct Marseille table got one).
    correct = written(tmp_path, "origine;destination;volume\n13201;13201;900\n13201;13205;50\n13202;13001;40\n",
                      "correcte.csv")
    assert not any("codes postaux" in c for c in read_flow_table(db, correct, ["13201", "13202"])[2])


def test_paris_postal_codes_are_set_aside_as_ambiguous(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """75001 is Paris 1er's postal code, and Alfortville's code before 1968: it was read as Alfortville, a leak to
    the Val-de-Marne, with the note « code ancien » only (a review). ``TERRITORY=`` refuses it with both readings."""
    from pipeline.app.sections.flow_table import staged_flow_table

    table = written(tmp_path, "origine;destination;volume\n75111;75111;900\n75111;75001;100\n")
    staged = staged_flow_table(db, table, ["75111"])
    assert staged.table[["origine", "destination"]].values.tolist() == [["75111", "75111"]]
    assert staged.problems[["ligne", "probleme", "ecartee"]].values.tolist() == [[
        3, "code destination 75001 : code postal de Paris 1er (code INSEE 75101) ou code d'une commune de la Seine "
           "avant 1968 ? ligne écartée (donnez le code INSEE)", True]]


def test_the_ranges_of_the_real_self_containment_hold_the_figure_given(
        db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """A review: for Paris 1er–2e, rows to 75001 (a postal code, left out) gave « entre 85 % et 88 % » and rows to
    Paris whole (75056) « entre 88 % et 94 % », around a self-containment of 93,3 % outside the first.

    Residents (75101, 75102): 140 000 inside, 10 000 to Paris 8e, 10 000 to Paris whole, 5 000 to 75001; 8 000
    from Paris whole into the territory. Given: 140 000 / 150 000. Unknown codes alone, on the same 150 000:
    140 000 / 155 000 = 90,3 % to 145 000 / 155 000 = 93,5 %. Everything uncertain at once: all away,
    140 000 / 165 000 = 84,8 %; all inside, the city's 8 000 its residents', 163 000 / 173 000 = 94,2 %.
    """
    table = written(tmp_path, "origine;destination;profession;volume\n75101;75101;MG;50000\n75101;75056;MG;10000\n"
                              "75101;75001;MG;5000\n75102;75102;MG;60000\n75102;75101;MG;30000\n"
                              "75102;75108;MG;10000\n75056;75102;MG;8000\n")
    d = diagnostic(db, table, "communes:75101,75102")
    assert d.flows is not None
    assert d.flows.synthesis.set_index("groupe").loc["Médecins généralistes", "auto_confinement"] == \
        pytest.approx(140_000 / 150_000)
    ranges = [n[n.index("réel entre"):] for n in d.flows.caveats if "réel entre" in n]
    assert ranges == ["réel entre 90 % et 94 %)", "réel entre 85 % et 94 %)"]
    assert sum("Médecins généralistes : 3 % des recours des habitants" in n for n in d.flows.caveats) == 1
    assert sum("9 % des recours des habitants, avec ceux vers des codes inconnus" in n  # 15 000 / 165 000
               for n in d.flows.caveats) == 1
