"""A CPTS with listed communes outside the départements of the database is not ranked among the others.

A review ran ``make diagnostics`` on a database of some départements: CPTS Buëch Dévoluy (1 of its 58
communes loaded) was ranked among whole taille-1 CPTS. Its figures are partial: it keeps its row, says how many
communes are missing, and has no rank; the group sizes count only the whole CPTS.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.app.batch import comparison_table
from pipeline.model.perimeter import BORDERING, FIGURES, PARTIAL, PARTS, REACH, Comparison
from pipeline.render.comparison.page import payload, render_page
from tests.browser import close_page, open_page
from tests.french_spacing import as_typed


def _row(name: str, population: int, partial: int) -> dict[str, object]:
    row: dict[str, object] = {f: float("nan") for f in FIGURES}
    row.update({"cpts": name, "liste": "paca", "slug": name.lower(), "ancre": name.lower(), "population": population,
                "taille": "1", "type_territoire": "Commune hors attraction des villes", PARTIAL: partial})
    return row


def test_partial_cpts_keeps_its_row_without_rank() -> None:
    table = comparison_table([_row("A", 30_000, 0), _row("B", 20_000, 0), _row("Stub", 1_112, 57)])
    ranks = table.set_index("cpts")
    assert ranks.loc["A", "rang_population"] == 1 and ranks.loc["B", "rang_population"] == 2
    assert pd.isna(ranks.loc["Stub", "rang_population"]) and pd.isna(ranks.loc["Stub", "groupe_comparaison"])
    assert ranks.loc["A", "groupe_comparaison"] == 2  # the whole CPTS only
    assert ranks.loc["Stub", PARTIAL] == 57
    note = payload_note(table)
    assert ("1 CPTS a des communes hors des départements chargés, non comptées ; ses chiffres sont partiels, sauf "
            "la taille, établie sur la population entière (COG), et elle n'est pas classée : Stub (57 communes)"
            ) in note
    # One commune outside: « (1 commune) » (a review read « 1 communes »).
    one = comparison_table([_row("A", 30_000, 0), _row("Mixte", 20_000, 1)])
    assert "Mixte (1 commune)" in payload_note(one) and "1 communes" not in payload_note(one)
    whole = comparison_table([_row("A", 30_000, 0), _row("B", 20_000, 0)])
    assert whole[PARTIAL].tolist() == [0, 0] and "hors des départements chargés" not in payload_note(whole)


def payload_note(table: pd.DataFrame) -> str:
    comparison = Comparison(name="paca", table=table, failures=pd.DataFrame(columns=["cpts", "liste", "erreur"]),
                            shapes=None, labels={}, demo=False, sources="")
    return as_typed(str(payload(comparison, "2026-12-03")["meta"]["note"]))


def test_figures_shown_equal_share_their_rank() -> None:
    """A review saw « 18,1 » ranked 2 and « 18,1 » ranked 3: ranks are now those of the figures as shown."""
    rows = [_row("A", 30_000, 0), _row("B", 20_000, 0), _row("C", 10_000, 0)]
    # 18.05 is shown « 18,1 » by the page (Intl.NumberFormat rounds half away from zero): Python's round() gives 18.0.
    for row, density, share in zip(rows, (18.1, 18.05, 17.0), (0.8153, 0.8149, 0.9), strict=True):
        row["densite_medecins_generalistes"], row["auto_confinement"] = density, share
    ranks = comparison_table(rows).set_index("cpts")
    assert ranks["rang_densite_medecins_generalistes"].tolist() == [1, 1, 3]  # 18,1 ; 18,1 ; 17,0
    assert ranks["rang_auto_confinement"].tolist() == [2, 2, 1]  # 81,5 % ; 81,5 % ; 90,0 %
    assert ranks["densite_medecins_generalistes"].tolist() == [18.1, 18.05, 17.0]  # the values kept unrounded


def test_a_self_containment_reaching_departements_not_loaded_is_shown_not_ranked() -> None:
    """A review: on a database of 04 and 13 every CPTS's model reaches the Var or the Vaucluse, and their
    overestimated self-containments were ranked against each other; the uncovered neighbours of seven CPTS were
    blank with no word why."""
    rows = [_row("A", 30_000, 0), _row("B", 20_000, 0), _row("C", 10_000, 0)]
    for row, share, reach, bordering in zip(rows, (0.9, 0.8, 0.7), ("83", "", ""), ("83, 84", "", ""), strict=True):
        row.update({"auto_confinement": share, REACH: reach, BORDERING: bordering,
                    "population_non_couverte_proche": float("nan") if bordering else 100.0})
    table = comparison_table(rows).set_index("cpts")
    assert table.loc["A", "auto_confinement"] == 0.9  # shown as the diagnostic shows it
    assert pd.isna(table.loc["A", "rang_auto_confinement"])
    assert table["rang_auto_confinement"].tolist()[1:] == [1, 2]  # B and C among themselves
    assert table.loc["A", "rang_population"] == 1  # the other figures stay ranked
    note = payload_note(table.reset_index())
    assert ("Auto-confinement surestimé, et non classé, pour 1 CPTS : le modèle de flux atteint des communes de "
            "départements non chargés dans la base (83)") in note
    assert ("Population non couverte limitrophe non disponible pour 1 CPTS qui touche des communes non chargées "
            "de leur région : A (83, 84).") in note


def test_cpts_whose_perimeter_is_in_several_parts_are_named_and_still_ranked() -> None:
    """A perimeter in two distant pieces is often a mistyped code of the listing: the page names those CPTS."""
    rows = [_row("A", 30_000, 0), _row("B", 20_000, 0), _row("C", 10_000, 0)]
    for row, parts in zip(rows, (1, 3, float("nan")), strict=True):
        row[PARTS] = parts
    table = comparison_table(rows).set_index("cpts")
    assert table.loc["B", PARTS] == 3 and table.loc["B", "rang_population"] == 2  # its figures are whole
    note = payload_note(table.reset_index())
    assert ("1 CPTS a un périmètre en plusieurs parties séparées de plus de 50 m (île, enclave ou code erroné de la "
            "liste, à vérifier ; voir la section « Pertinence du périmètre » de chaque rapport) : B (3 parties).") \
        in note
    rows[0][PARTS] = 2
    assert "2 CPTS ont un périmètre en plusieurs parties" in payload_note(comparison_table(rows))
    one_piece = [_row("A", 30_000, 0)]
    one_piece[0][PARTS] = 1
    assert "plusieurs parties" not in payload_note(comparison_table(one_piece))


@pytest.mark.browser
def test_the_map_keeps_zero_apart_and_partial_cpts_out_of_its_classes(tmp_path: Path) -> None:
    """A review: four CPTS sharing nobody and one sharing 343 inhabitants were one colour, in a class « 0 à moins
    de 2 518 »; and a CPTS with 1 of its 32 communes loaded was coloured among the others, its partial figure
    setting the classes. Zero is now a class of its own, and a partial CPTS is drawn apart, out of the classes."""
    shared = {"A": 0, "B": 0, "C": 0, "D": 0, "E": 343, "F": 2_518, "G": 5_000}
    rows = [_row(name, 30_000, 0) for name in shared]
    for row in rows:
        row["population_partagee"] = shared[str(row["cpts"])]
    stub = _row("Stub", 1_112, 31)
    stub["population_partagee"], stub["taille"] = 90_000, "non disponible"
    table = comparison_table([*rows, stub])
    comparison = Comparison(name="essai", table=table, failures=pd.DataFrame(columns=["cpts", "liste", "erreur"]))
    path = tmp_path / "index.html"
    path.write_text(render_page(payload(comparison, "2026-12-06")), encoding="utf-8")
    page, errors, console = open_page(path)
    try:
        page.evaluate("window.cptsComparison.showIndicator('population_partagee')")
        breaks = page.evaluate("window.cptsComparison.classes()")
        assert breaks[0] == 343 and max(breaks) < 90_000  # the partial figure sets no class
        colours = {name: page.evaluate(f"window.cptsComparison.colourOf('{name.lower()}')") for name in shared}
        assert len({colours[n] for n in "ABCD"}) == 1 and colours["E"] != colours["A"]
        assert page.evaluate("window.cptsComparison.colourOf('stub')") == "#f4e3d7"
        legend = page.inner_text("#legend").replace("\u202f", " ").replace("\xa0", " ")
        lines = legend.splitlines()
        assert lines[1] == "0"  # the title, then the class of the CPTS sharing nobody
        assert "chiffres partiels (communes hors des départements chargés) (1)" in legend
        # A taille « non disponible » (the partial CPTS's) sorts last both ways, as a missing number does.
        rows = ["A", "B", "C", "D", "E", "F", "G"]  # taille « 1 », then by name
        assert page.evaluate("window.cptsComparison.sortBy('taille', true)") == [*rows, "Stub"]
        assert page.evaluate("window.cptsComparison.sortBy('taille', false)") == [*rows, "Stub"]
    finally:
        close_page(page)
    assert errors == [] and console == []


def test_the_note_names_the_listings_the_shared_population_counts() -> None:
    # A review loaded a second version of a listing beside it: every CPTS « shared » all its population with its
    # twin, and nothing said which listings were counted.
    table = comparison_table([_row("A", 30_000, 0), _row("B", 20_000, 0)])
    failures = pd.DataFrame(columns=["cpts", "liste", "erreur"])
    two = Comparison(name="h4", table=table, failures=failures, listings=("h4", "h4-2025"))
    assert ("Population partagée avec une autre CPTS : celles de toutes les listes chargées (« h4 », « h4-2025 ») ; "
            "deux versions d'une même liste chargées ensemble font partager à chaque CPTS sa population avec son "
            "double.") in as_typed(str(payload(two, "2026-12-06")["meta"]["note"]))
    one = Comparison(name="h4", table=table, failures=failures, listings=("h4",))
    assert "toutes les listes chargées" not in str(payload(one, "2026-12-06")["meta"]["note"])


@pytest.mark.browser
def test_a_partial_population_is_marked_and_sorted_after_the_whole_ones(tmp_path: Path) -> None:
    """A review: « CPTS Buëch Dévoluy » showed « 1 112 » inhabitants (its one loaded commune) as any whole CPTS's
    population, and sorted among them. Its cell now says « (partielle) », with the count of its communes outside the
    load, and it sorts after the whole CPTS either way (it has no rank)."""
    stub = _row("Stub", 25_000, 55)
    drawn = _row("Drawn", 40_000, 0)
    drawn[PARTIAL] = float("nan")  # a drawn part outside the load: count unknown
    table = comparison_table([_row("A", 30_000, 0), _row("B", 20_000, 0), stub, drawn])
    comparison = Comparison(name="essai", table=table, failures=pd.DataFrame(columns=["cpts", "liste", "erreur"]))
    path = tmp_path / "index.html"
    path.write_text(render_page(payload(comparison, "2026-12-06")), encoding="utf-8")
    page, errors, console = open_page(path)
    try:
        assert page.evaluate("window.cptsComparison.sortBy('population', true)") == ["A", "B", "Drawn", "Stub"]
        assert page.evaluate("window.cptsComparison.sortBy('population', false)") == ["B", "A", "Stub", "Drawn"]
        cell = page.locator("#stub td.partiel")
        assert cell.inner_text().replace("\u202f", " ").replace("\xa0", " ") == "25 000 (partielle)"
        assert as_typed(cell.get_attribute("title")) == ("Population partielle : 55 communes de la liste hors des "
                                                         "départements chargés, non comptées (CPTS non classée)")
        assert as_typed(page.locator("#drawn td.partiel").get_attribute("title")).startswith(
            "Population partielle : périmètre dessiné en partie hors des départements chargés")
        assert page.locator("#a td.partiel").count() == 0
    finally:
        close_page(page)
    assert errors == [] and console == []


def _figure_page(tmp_path: Path, figure: str, values: dict[str, float]) -> Path:
    rows = [_row(name, 30_000, 0) for name in values]
    for row in rows:
        row[figure] = values[str(row["cpts"])]
    comparison = Comparison(name="essai", table=comparison_table(rows),
                            failures=pd.DataFrame(columns=["cpts", "liste", "erreur"]))
    path = tmp_path / f"index-{len(list(tmp_path.iterdir()))}.html"
    path.write_text(render_page(payload(comparison, "2026-12-07")), encoding="utf-8")
    return path


@pytest.mark.browser
@pytest.mark.parametrize(("figure", "values", "alike"), [
    # Both shown « 16,3 »: 16,2987 and 16,3357 were in « … à moins de 16,3 », 16,3472 began the next class.
    ("densite_medecins_generalistes", {"A": 10.0, "B": 12.0, "C": 16.2987, "D": 16.3357, "E": 16.3472, "F": 20.0},
     "CDE"),
    # An APL of 0,145 is shown « 0,15 » by the table's formatter; Math.round(14.499999…) classed it with 0,14 (a
    # review), apart from the 0,15 shown alike.
    ("apl_2023", {"A": 0.1, "B": 0.145, "C": 0.15, "D": 0.3}, "BC"),
])
def test_the_map_classes_the_figures_as_the_table_shows_them(tmp_path: Path, figure: str, values: dict[str, float],
                                                             alike: str) -> None:
    """A review: values shown alike were coloured apart, their class boundary falling between them: the CPTS whose
    figures the table shows alike are one colour, and every class boundary is a value the table can show."""
    page, errors, console = open_page(_figure_page(tmp_path, figure, values))
    try:
        page.evaluate(f"window.cptsComparison.showIndicator('{figure}')")
        colours = {name: page.evaluate(f"window.cptsComparison.colourOf('{name.lower()}')") for name in values}
        assert len({colours[name] for name in alike}) == 1
        breaks = page.evaluate("window.cptsComparison.classes()")
        assert all(round(b, 2) == b for b in breaks)
        assert errors == [] and console == []
    finally:
        close_page(page)


@pytest.mark.browser
def test_mainland_and_overseas_cpts_are_framed_apart(tmp_path: Path) -> None:
    """A review: a listing holding a Mayotte CPTS beside PACA ones was framed on both, 10 000 km wide, the PACA CPTS
    specks whose colours could not be seen. The zone holding most CPTS is framed first; a button frames each."""
    import geopandas as gpd
    import shapely

    def square(lon: float, lat: float) -> shapely.Polygon:
        return shapely.box(lon, lat, lon + 0.1, lat + 0.1)

    shapes = gpd.GeoDataFrame({"ancre": ["a", "b", "m"]}, crs=4326,
                              geometry=[square(6.2, 44.1), square(6.4, 44.0), square(45.1, -12.9)])
    comparison = Comparison(name="essai", table=comparison_table([_row(n, 30_000, 0) for n in ("A", "B", "M")]),
                            failures=pd.DataFrame(columns=["cpts", "liste", "erreur"]), shapes=shapes)
    path = tmp_path / "index.html"
    path.write_text(render_page(payload(comparison, "2026-12-07")), encoding="utf-8")
    page, errors, console = open_page(path)
    try:
        assert page.evaluate("window.cptsComparison.zones()") == ["France métropolitaine", "Mayotte"]

        def view() -> list[float]:
            return page.evaluate("(() => { const b = window.cptsComparisonMap.getBounds(); "
                                 "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()")

        west, south, east, north = view()
        assert 6.0 < west < 6.2 and 6.5 < east < 7.5 and 43.5 < south < 44.0 and 44.2 < north < 44.8  # PACA only
        page.click("text=Mayotte (1)")
        page.wait_for_function("window.cptsComparisonMap.getCenter().lat < 0")
        west, south, east, north = view()
        assert 44.5 < west < 45.1 and 45.2 < east < 46 and south < -12.9 and north > -12.8
    finally:
        close_page(page)
    assert errors == [] and console == []


def test_the_sources_line_gives_mayottes_census_year() -> None:
    """A review: a Mayotte CPTS (its 2017 census, its own diagnostic says so) under « populations légales 2023 »."""
    from pipeline.analysis.population.legal_year import years_label
    from pipeline.render.comparison.page import sources_line

    assert "(COG 2026, population légale 2023, 2017 pour Mayotte, aires" in sources_line(
        False, years_label({"04", "976"}, 2023))
    assert "(COG 2026, population légale 2023, aires" in sources_line(False, years_label({"04"}, 2023))


@pytest.mark.browser
def test_a_cpts_with_parts_in_two_zones_is_counted_where_its_largest_part_lies(tmp_path: Path) -> None:
    """A re-check: a CPTS of the 04 and Mayotte, framed by its box's centre (between both), made a zone « Autres »
    1 000 km wide; it is counted in France métropolitaine, where its largest part lies."""
    import geopandas as gpd
    import shapely

    both = shapely.MultiPolygon([shapely.box(6.2, 44.1, 6.5, 44.4), shapely.box(45.1, -12.9, 45.15, -12.85)])
    shapes = gpd.GeoDataFrame({"ancre": ["a", "x"]}, crs=4326, geometry=[shapely.box(6.4, 44.0, 6.5, 44.1), both])
    comparison = Comparison(name="essai", table=comparison_table([_row(n, 30_000, 0) for n in ("A", "X")]),
                            failures=pd.DataFrame(columns=["cpts", "liste", "erreur"]), shapes=shapes)
    path = tmp_path / "index.html"
    path.write_text(render_page(payload(comparison, "2026-12-07")), encoding="utf-8")
    page, errors, console = open_page(path)
    try:
        assert page.evaluate("window.cptsComparison.zones()") == ["France métropolitaine"]
        bounds = page.evaluate("(() => { const b = window.cptsComparisonMap.getBounds(); "
                               "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()")
        assert bounds[0] > 5.5 and bounds[2] < 7.5  # the mainland parts only
    finally:
        close_page(page)
    assert errors == [] and console == []
