"""``make diagnostics`` (issue 13 item 3): every CPTS of a listing in one process, and their comparison.

Known answers are recomputed here from the fixture database with SQL and geopandas (populations,
population shared with another CPTS, uncovered population touching the perimeter) or read back from
each CPTS's own ``summary.json``. One CPTS is made to fail (bad input, ``DataError``): it is reported in
French on stderr and in the comparison, the others are written, and the exit code is 2.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import pandas as pd
import pytest
import shapely

from pipeline import cli
from pipeline.analysis.perimeter_parts import PARTS_TOLERANCE_M
from pipeline.app import batch, shared
from pipeline.errors import DataError, PipelineError
from pipeline.model.perimeter import BatchOptions
from tests.app.unit_polygons import members_and_polygons
from tests.browser import close_page, open_page, screenshot
from tests.conftest import FIXTURE_DEPARTEMENTS, cli_environment, mirror_path, private_outputs
from tests.french_spacing import as_typed

pytestmark = [pytest.mark.mirror]

KEPT = ["CPTS du Verdon", "CPTS Alpes Bléone Durance", "CPTS Littoral Sud"]
FAILING = "CPTS Sud 04"


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def result(fixture_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    maps = tmp_path_factory.mktemp("maps")
    select, compute, background = batch._select, batch.compute, batch.Background
    read_counts, income_references = shared.read_counts, shared.characteristics.income_references
    read_establishments = shared.establishment_queries.establishments
    events: list[tuple[str, str]] = []

    def few(con: duckdb.DuckDBPyConnection, options: BatchOptions) -> tuple[str, str, pd.DataFrame]:
        name, label, chosen = select(con, options)
        return name, label, chosen[chosen["cpts"].isin([*KEPT, FAILING])].reset_index(drop=True)

    def failing(con: Any, territory: Any, *args: Any, **kwargs: Any) -> Any:
        events.append(("calcul", territory.cpts))
        if territory.cpts == FAILING:
            raise DataError("liste de CPTS illisible pour ce territoire (simulé)", Path("liste.csv"), 7)
        return compute(con, territory, *args, **kwargs)

    def counted(con: duckdb.DuckDBPyConnection) -> Any:
        events.append(("comptes par département", ""))
        return read_counts(con)

    def income_counted(con: duckdb.DuckDBPyConnection) -> Any:
        events.append(("revenus des zones", ""))
        return income_references(con)

    def establishments_read(con: duckdb.DuckDBPyConnection) -> Any:
        events.append(("établissements FINESS", ""))
        return read_establishments(con)

    def recorded(render: Any) -> Any:
        """The CPTS's writer, noting when the batch starts waiting for it."""
        name, writer = render.args[0].territory.cpts, background(render)
        wait = writer.result

        def result() -> Any:
            events.append(("attente de l'écriture", name))
            return wait()

        writer.result = result
        return writer

    data = private_outputs(fixture_data_dir, tmp_path_factory.mktemp("donnees"))
    with cli_environment(data, maps) as mp:
        mp.setattr(batch, "_select", few)
        mp.setattr(batch, "compute", failing)
        mp.setattr(batch, "Background", recorded)
        mp.setattr(shared, "read_counts", counted)
        mp.setattr(shared.characteristics, "income_references", income_counted)
        mp.setattr(shared.establishment_queries, "establishments", establishments_read)
        code, out, err = run(["diagnostics", "--liste", "paca"])
    yield {"code": code, "out": out, "err": err, "maps": maps, "data": data, "events": events}


def db(result: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(result["data"] / "processed" / "cpts.duckdb"), read_only=True)


def table(result: dict[str, Any]) -> pd.DataFrame:
    return pd.read_csv(result["data"] / "processed" / "comparaison-paca" / "comparaison.csv",
                       encoding="utf-8-sig", dtype={"taille": str, "departements_non_charges_a_portee": str,
                                                    "departements_voisins_non_charges": str}).set_index("cpts")


def summary(result: dict[str, Any], slug: str) -> dict[str, Any]:
    path = result["data"] / "processed" / "diagnostics" / slug / "summary.json"
    return json.loads(path.read_text("utf-8"))


def test_each_cpts_is_written_while_the_next_ones_are_computed(result: dict[str, Any]) -> None:
    # CPTS in name order: Alpes Bléone Durance, Littoral Sud, Sud 04 (fails in its computation), du Verdon.
    # Two writers at most are at work while the next CPTS is computed: the oldest is waited for only once a third
    # CPTS has been computed (or has failed), so that a long writing overlaps two computations; the last ones are
    # waited for at the end, in order.
    alpes, littoral, verdon = "CPTS Alpes Bléone Durance", "CPTS Littoral Sud", "CPTS du Verdon"
    events = [e for e in result["events"] if e[0] == "calcul" or e[0] == "attente de l'écriture"]
    assert events == [
        ("calcul", alpes),
        ("calcul", littoral),
        ("calcul", FAILING), ("attente de l'écriture", alpes),
        ("calcul", verdon), ("attente de l'écriture", littoral), ("attente de l'écriture", verdon),
    ]


def test_registry_coverage_counts_are_read_once_for_the_whole_batch(result: dict[str, Any]) -> None:
    # A scan of every activity line of every extraction, the same for all CPTS: read by the first one.
    assert result["events"].count(("comptes par département", "")) == 1
    assert result["events"].index(("comptes par département", "")) == 1  # right after the first « calcul »


def second_computation(events: list[tuple[str, str]]) -> int:
    """Position of the second CPTS's « calcul »: what the first one read comes before it."""
    return [i for i, event in enumerate(events) if event[0] == "calcul"][1]


def test_income_of_the_compared_areas_is_computed_once_for_the_whole_batch(result: dict[str, Any]) -> None:
    # Filosofi figures of every département, région and France: the same for all CPTS, computed by the first.
    assert result["events"].count(("revenus des zones", "")) == 1
    assert result["events"].index(("revenus des zones", "")) < second_computation(result["events"])


def test_finess_establishments_are_read_once_for_the_whole_batch(result: dict[str, Any]) -> None:
    # Every establishment of the extraction (each CPTS keeps those in and near its perimeter): read by the first.
    assert result["events"].count(("établissements FINESS", "")) == 1
    assert result["events"].index(("établissements FINESS", "")) < second_computation(result["events"])


def test_one_failure_is_reported_and_does_not_stop_the_others(result: dict[str, Any]) -> None:
    assert result["code"] == 2
    assert f"Erreur pour la CPTS « {FAILING} »" in result["err"]
    assert "liste de CPTS illisible" in result["err"] and "ligne 7" in result["err"]
    assert "3 CPTS sur 4 calculées" in result["out"]
    assert sorted(table(result).index) == sorted(KEPT)
    failures = pd.read_csv(result["data"] / "processed" / "comparaison-paca" / "echecs.csv", encoding="utf-8-sig")
    assert list(failures["cpts"]) == [FAILING] and "illisible" in failures.loc[0, "erreur"]
    page = as_typed((result["maps"] / "comparaison-paca" / "index.html").read_text("utf-8"))
    assert FAILING in page
    assert (result["data"] / "processed" / "comparaison-paca" / "comparaison.xlsx").stat().st_size > 0


def test_figures_equal_each_diagnostic_and_the_database(result: dict[str, Any]) -> None:
    frame = table(result)
    con = db(result)
    try:
        members = con.execute("SELECT cpts, unit_code FROM cpts_membres").df()
        population = con.execute("SELECT code, population FROM communes WHERE vintage = "
                                 "(SELECT max(vintage) FROM communes)").df().set_index("code")["population"]
    finally:
        con.close()
    for name in KEPT:
        row = frame.loc[name]
        s = summary(result, row["slug"])
        assert row["population"] == s["population"]
        assert row["taille"] == s["taille"]
        gp = s["flows"]["auto_confinement"]["Médecins généralistes"]
        # A share of 0 to 1, as in the diagnostic's flux_synthese.csv (3 decimals: 55,9 % shown).
        assert row["auto_confinement"] == pytest.approx(gp, abs=0.00051) and 0 <= row["auto_confinement"] <= 1
        # Its model reaching départements not loaded is said in the comparison as in the diagnostic.
        reach = s["flows"]["departements_non_charges_a_portee"]
        assert (row["departements_non_charges_a_portee"] if isinstance(
            row["departements_non_charges_a_portee"], str) else "") == ", ".join(reach)
        assert row["densite_medecins_generalistes"] == pytest.approx(
            s["supply"]["Médecins généralistes"]["densite_10000"], abs=0.051)  # CSV: 1 decimal
        assert row["apl_2023"] == pytest.approx(s["apl"]["2023"]["territoire"], abs=0.0051)  # 2 decimals
        assert row["parties_du_perimetre"] == s["pertinence"]["parties_du_perimetre"]["nombre"] >= 1
        own = set(members.loc[members["cpts"] == name, "unit_code"])
        others = set(members.loc[members["cpts"] != name, "unit_code"])
        assert row["population_partagee"] == population.reindex(sorted(own & others)).sum()
    assert raw_parts(members, frame) >= 2  # the parts of at least two CPTS checked against the raw files


def raw_parts(members: pd.DataFrame, frame: pd.DataFrame) -> int:
    """Each kept CPTS's parts counted again from the mirror's raw polygons of the loaded départements (2018
    communes, 2023 arrondissements), in Lambert 93, by distances between units. A CPTS with a unit the raw files
    do not hold (a commune merged since 2018) is not checked."""
    files = [f for f in sorted((mirror_path() / "contours-communes-2018").glob("communes-*.geojson"))
             if f.name.split("-")[1] in ("04", "13")]
    raw = pd.concat([gpd.read_file(f)[["code", "geometry"]] for f in files])
    arr = gpd.read_file(mirror_path() / "contours-arrondissements-2023"
                        / "georef-france-commune-arrondissement-municipal-2023.geojson")
    arr = arr.assign(code=arr["com_arm_code"].map(lambda v: str(v[0]) if not isinstance(v, str) else v))
    polygons = gpd.GeoDataFrame(pd.concat([raw, arr[["code", "geometry"]]]), crs=4326).to_crs(2154)
    polygons = polygons.set_index("code").geometry
    checked = 0
    for name in KEPT:
        codes = {c for c in members.loc[members["cpts"] == name, "unit_code"] if c[:2] in ("04", "13")}
        if not codes or not codes <= set(polygons.index):
            continue
        # Units (a commune with its islets is one unit) linked when their polygons are within 50 m; parts counted
        # by merging the groups of linked units, pair by pair.
        units = sorted(codes)
        group = {code: {code} for code in units}
        for i, a in enumerate(units):
            for b in units[i + 1:]:
                if polygons[a].distance(polygons[b]) <= 50 and group[a] is not group[b]:
                    merged = group[a] | group[b]
                    for code in merged:
                        group[code] = merged
        parts = len({id(g) for g in group.values()})
        assert frame.loc[name, "parties_du_perimetre"] == parts, name
        checked += 1
    return checked


def _paca_contours_not_loaded() -> gpd.GeoDataFrame:
    """The mirror's 2018 communes of the PACA départements the fixture database does not hold (Lambert 93)."""
    files = [f for f in sorted((mirror_path() / "contours-communes-2018").glob("communes-*.geojson"))
             if f.name.split("-")[1] in {"05", "06", "83", "84"}]
    return gpd.GeoDataFrame(pd.concat([gpd.read_file(f)[["code", "geometry"]] for f in files]),
                            crs=4326).to_crs(2154)


def test_uncovered_population_touching_the_perimeter(result: dict[str, Any]) -> None:
    """The population of the uncovered communes touching the perimeter; « non disponible » when the perimeter
    touches communes of the région that the database does not hold (their population and CPTS are unknown):
    the Verdon touches 10 communes of the Var, Alpes Bléone Durance one of the Hautes-Alpes."""
    members, polygons = members_and_polygons(db(result), ("04", "13"), 2154)
    claimed = set(members["unit_code"])
    not_loaded = _paca_contours_not_loaded()
    frame = table(result)
    bordering = {}
    for name in KEPT:
        own = set(members.loc[members["cpts"] == name, "unit_code"])
        perimeter = shapely.union_all(polygons[polygons["code"].isin(own)].geometry.values)
        bordering[name] = int((not_loaded.geometry.distance(perimeter) <= PARTS_TOLERANCE_M).sum())
        if bordering[name]:
            assert pd.isna(frame.loc[name, "population_non_couverte_proche"]), name
        else:
            free = polygons[~polygons["code"].isin(claimed)]
            near = free[free.geometry.distance(perimeter) <= PARTS_TOLERANCE_M]
            assert frame.loc[name, "population_non_couverte_proche"] == near["population"].sum(), name
    assert bordering == {"CPTS du Verdon": 10, "CPTS Alpes Bléone Durance": 1, "CPTS Littoral Sud": 0}
    # The comparison says which départements, and the page why the figure is missing.
    named = frame["departements_voisins_non_charges"].fillna("")
    assert (named.loc["CPTS du Verdon"], named.loc["CPTS Alpes Bléone Durance"], named.loc["CPTS Littoral Sud"]) == (
        "83", "05", "")
    page = as_typed((result["maps"] / "comparaison-paca" / "index.html").read_text("utf-8"))
    assert ("Population non couverte limitrophe non disponible pour 2 CPTS qui touchent des communes non chargées de "
            "leur région : CPTS Alpes Bléone Durance (05), CPTS du Verdon (83).") in page


def test_ranks_within_taille_and_territory_type(result: dict[str, Any]) -> None:
    frame = table(result)
    for _, group in frame.groupby(["taille", "type_territoire"]):
        assert (group["groupe_comparaison"] == len(group)).all()
        order = group["population"].rank(ascending=False, method="min").astype(int)
        assert list(group["rang_population"]) == list(order)


def test_territory_type_is_the_one_of_each_cpts_own_diagnostic(result: dict[str, Any]) -> None:
    # The category of aire d'attraction holding most of the CPTS's population, read from the CPTS's own
    # type_territoire.csv (« non disponible » left out, as an unknown class is not a type). The batch summed an
    # aire over the communes the database holds: on this fixture database, where most aires cross the loaded
    # départements, it classed them by a part of their population that the diagnostic calls « non disponible ».
    frame = table(result)
    for name in KEPT:
        slug = frame.loc[name, "slug"]
        types = pd.read_csv(result["data"] / "processed" / "diagnostics" / slug / "type_territoire.csv",
                            encoding="utf-8-sig")
        aires = types[(types["dimension"] == "aire d'attraction des villes")
                      & (types["categorie"] != "non disponible") & (types["population"] > 0)]
        best = aires["population"].max()
        expected = sorted(aires.loc[aires["population"] == best, "categorie"])[0] if len(aires) else "non disponible"
        assert frame.loc[name, "type_territoire"] == expected, name


def test_each_report_links_to_its_line(result: dict[str, Any]) -> None:
    page = as_typed((result["maps"] / "comparaison-paca" / "index.html").read_text("utf-8"))
    for slug in table(result)["slug"]:
        report = (result["maps"] / slug / "rapport.html").read_text("utf-8")
        assert f'href="../comparaison-paca/index.html#{slug}"' in report
        assert f'"ancre":"{slug}"' in page


def test_unknown_listing_is_a_french_error(fixture_data_dir: Path) -> None:
    con = duckdb.connect(str(fixture_data_dir / "processed" / "cpts.duckdb"), read_only=True)
    try:
        with pytest.raises(PipelineError, match="Liste de CPTS inconnue"):
            batch._select(con, BatchOptions(listing="absente"))
        name, _, chosen = batch._select(con, BatchOptions(region="93"))
        in_region = set(con.execute(
            "SELECT DISTINCT m.cpts FROM cpts_membres m JOIN communes c ON c.code = m.commune_code AND c.vintage = "
            "(SELECT max(vintage) FROM communes) WHERE c.region = '93'").df()["cpts"])
    finally:
        con.close()
    assert name == "region-93"
    assert set(chosen["cpts"]) == in_region


@pytest.mark.browser
def test_comparison_page_sorts_and_switches_indicator(result: dict[str, Any]) -> None:
    page, errors, console = open_page(result["maps"] / "comparaison-paca" / "index.html")
    try:
        frame = table(result)
        order = page.evaluate("window.cptsComparison.sortBy('population', true)")
        assert order == list(frame["population"].sort_values(ascending=False, kind="stable").index)
        page.click("th[data-key='population']")  # a click on the sorted column reverses the order
        assert page.evaluate("window.cptsComparison.order()") == order[::-1]
        assert page.get_attribute("th[data-key='population']", "aria-sort") == "ascending"
        before = [page.evaluate(f"window.cptsComparison.colourOf('{a}')") for a in frame["slug"]]
        page.select_option("#indicator", "auto_confinement")
        assert page.evaluate("window.cptsComparison.indicator()") == "auto_confinement"
        assert "Auto-confinement" in page.inner_text("#legend")
        after = [page.evaluate(f"window.cptsComparison.colourOf('{a}')") for a in frame["slug"]]
        assert all(c is not None for c in after)
        ranking = frame["auto_confinement"].rank(method="dense")
        # The colours follow the indicator: the CPTS with the highest self-containment has the darkest class.
        assert after[int(ranking.to_numpy().argmax())] == "#253494" or len(set(after)) == 1
        assert before != after or frame["population"].rank().equals(ranking)
        screenshot(page, "/tmp/cpts-screens/comparaison.png")
        assert page.inner_text("#failures").count(FAILING) == 1
        # The parts of each perimeter are a column of the table too (sortable, not ranked), as in the CSV.
        order = page.evaluate("window.cptsComparison.sortBy('parties_du_perimetre', true)")
        parts = frame["parties_du_perimetre"]
        assert [parts[name] for name in order] == sorted(parts, reverse=True)
        cells = page.evaluate("""() => [...document.querySelectorAll('#body tr')].map(tr =>
            tr.children[[...document.querySelectorAll('#head th')].findIndex(th =>
            th.dataset.key === 'parties_du_perimetre')].textContent)""")
        assert cells == [str(int(parts[name])) for name in order]
    finally:
        close_page(page)
    assert errors == [] and console == []


def test_all_succeed_exit_zero(fixture_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    select = batch._select

    def one(con: duckdb.DuckDBPyConnection, options: BatchOptions) -> tuple[str, str, pd.DataFrame]:
        name, label, chosen = select(con, options)
        return name, label, chosen[chosen["cpts"] == "CPTS du Verdon"].reset_index(drop=True)

    monkeypatch.setenv("CPTS_DATA_DIR", str(private_outputs(fixture_data_dir, tmp_path / "donnees")))
    monkeypatch.setenv("CPTS_MAPS_DIR", str(tmp_path / "cartes"))
    monkeypatch.setenv("CPTS_QUIET", "1")
    monkeypatch.setattr(batch, "_select", one)
    code, out, err = run(["diagnostics", "--liste", "paca"])
    assert code == 0, err
    assert "1 CPTS sur 1 calculées" in out and err == ""
    # A run where every CPTS fails keeps the previous comparison (a review saw it replaced by « aucune donnée »).
    folder = tmp_path / "donnees" / "processed" / "comparaison-paca"
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    page = (tmp_path / "cartes" / "comparaison-paca" / "index.html").read_bytes()

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise DataError("paramètre invalide (simulé)", Path("parametres.toml"))

    monkeypatch.setattr(batch, "compute", failing)
    code, out, err = run(["diagnostics", "--liste", "paca"])
    assert code == 2
    assert "Aucune CPTS calculée (1 en échec) : aucune comparaison écrite, la précédente (s'il y en a une) est " \
           "gardée" in err
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before
    assert (tmp_path / "cartes" / "comparaison-paca" / "index.html").read_bytes() == page


def test_two_cpts_sharing_an_output_folder_never_overwrite(fixture_data_dir: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    select = batch._select

    def twice(con: duckdb.DuckDBPyConnection, options: BatchOptions) -> tuple[str, str, pd.DataFrame]:
        name, label, chosen = select(con, options)
        verdon = chosen[chosen["cpts"] == "CPTS du Verdon"]
        # « CPTS du Verdon » written again under another name of the listing: same slug, same folder.
        copy = verdon.assign(cpts="CPTS du Verdon (doublon)")
        return name, label, pd.concat([verdon, copy], ignore_index=True)

    monkeypatch.setenv("CPTS_DATA_DIR", str(private_outputs(fixture_data_dir, tmp_path / "donnees")))
    monkeypatch.setenv("CPTS_MAPS_DIR", str(tmp_path / "cartes"))
    monkeypatch.setenv("CPTS_QUIET", "1")
    monkeypatch.setattr(batch, "_select", twice)
    code, out, err = run(["diagnostics", "--liste", "paca"])
    assert code == 2
    assert "CPTS du Verdon (doublon)" in err and "même dossier de sortie (cpts-cpts-du-verdon)" in err
    assert "1 CPTS sur 2 calculées" in out


def test_the_workbook_shows_the_csv_share_as_a_percentage(result: dict[str, Any]) -> None:
    """The cell keeps the CSV's share (0.559) and shows it « 55,9 % », as the diagnostic's workbook does."""
    import openpyxl

    book = openpyxl.load_workbook(result["data"] / "processed" / "comparaison-paca" / "comparaison.xlsx")
    sheet = book["Comparaison"]
    header_row = next(i for i, row in enumerate(sheet.iter_rows(values_only=True), start=1)
                      if "CPTS" in row and "Liste" in row)
    headings = [c.value for c in sheet[header_row]]
    share = headings.index(next(h for h in headings if isinstance(h, str) and h.startswith("Auto-confinement")))
    name = headings.index("CPTS")
    frame = table(result)
    checked = 0
    for row in sheet.iter_rows(min_row=header_row + 1):
        if row[name].value in frame.index and isinstance(row[share].value, float):
            assert row[share].value == pytest.approx(frame.loc[row[name].value, "auto_confinement"], abs=1e-9)
            assert row[share].number_format.endswith("%") and "0.0" in row[share].number_format
            checked += 1
    assert checked >= 1
    # The taille is a number there too, not « '3 » sorted as text (a review), equal to the CSV's.
    taille = headings.index("Taille ACI")
    tailles = {row[name].value: row[taille].value for row in sheet.iter_rows(min_row=header_row + 1)
               if row[name].value in frame.index}
    assert tailles and all(isinstance(v, int) and str(v) == frame.loc[k, "taille"] for k, v in tailles.items())


def test_page_help_is_on_the_page_not_in_the_workbook(result: dict[str, Any]) -> None:
    # « Cliquer un en-tête trie le tableau » means nothing in a spreadsheet.
    import openpyxl

    book = openpyxl.load_workbook(result["data"] / "processed" / "comparaison-paca" / "comparaison.xlsx")
    readme = " ".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                      for v in row if isinstance(v, str))
    assert "Population non couverte limitrophe" in readme and "Cliquer" not in readme
    page = as_typed((result["maps"] / "comparaison-paca" / "index.html").read_text("utf-8"))
    assert "Cliquer un en-tête trie le tableau" in page


def test_cpts_without_a_loaded_commune_are_named(result: dict[str, Any]) -> None:
    """The fixture database holds 04, 13, 33, 75 and 976: the PACA CPTS whose listed communes all lie elsewhere
    cannot be diagnosed; they are named in the output and on the page, not silently left out."""
    with open(mirror_path() / "cpts" / "paca-cpts-communes.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    loaded = {name for name in {r["cpts"] for r in rows}
              if any(r["cpts"] == name and r["code_insee"][:2] in FIXTURE_DEPARTEMENTS for r in rows)}
    elsewhere = sorted({r["cpts"] for r in rows} - loaded)
    assert len(elsewhere) > 30
    line = next(n for n in result["out"].splitlines() if "sans commune chargée dans la base" in n)
    assert line == (f"{len(elsewhere)} CPTS de la liste sans commune chargée dans la base, non diagnostiquées : "
                    + ", ".join(elsewhere))


def test_a_region_batch_names_its_cpts_without_a_loaded_commune(db: duckdb.DuckDBPyConnection,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """``--region PACA`` on the fixture database (04 and 13 of PACA loaded) compared the CPTS of 04 and 13 and said
    nothing of those of the Hautes-Alpes, the Alpes-Maritimes, the Var and the Vaucluse; ``--liste paca`` named
    them. Known answer from the raw listing: the CPTS with no listed commune in a loaded département."""
    from pipeline.app.batch_unloaded import unloaded_for
    from pipeline.model.perimeter import Comparison
    from pipeline.render.comparison.page import _not_loaded_note
    from pipeline.render.comparison.tables import comparison_specs

    with open(mirror_path() / "cpts" / "paca-cpts-communes.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    loaded = {r["cpts"] for r in rows if r["code_insee"].zfill(5)[:2] in FIXTURE_DEPARTEMENTS}
    elsewhere = sorted({r["cpts"] for r in rows} - loaded)
    failures, named, left_out = unloaded_for(db, BatchOptions(region="PACA"))
    assert failures == [] and sorted(named) == elsewhere and len(elsewhere) > 30
    assert capsys.readouterr().out == (f"{len(elsewhere)} CPTS de la région sans commune chargée dans la base, non "
                                       "diagnostiquées : " + ", ".join(named) + "\n")
    note = _not_loaded_note(Comparison(name="region-93", table=pd.DataFrame(), failures=pd.DataFrame(),
                                       not_loaded=named, by_region=True))
    assert note.startswith(f"{len(elsewhere)} CPTS de la région n'ont aucune commune chargée dans la base")
    # In the tables too (a review found them only on the page and in the console), each with its listing and
    # the départements of its communes in the raw listing, with the command that loads them.
    specs = {spec.key: spec for spec in comparison_specs(Comparison(
        name="region-93", table=pd.DataFrame(), failures=pd.DataFrame(), not_loaded=named, not_loaded_table=left_out,
        by_region=True))}
    table = specs["non_diagnostiquees"].frame
    assert table["cpts"].tolist() == list(named) and set(table["liste"]) == {"paca"}
    departements = {r["cpts"]: set() for r in rows}
    for r in rows:
        departements[r["cpts"]].add(r["code_insee"].zfill(5)[:2])
    for row in table.itertuples():
        assert row.departements == ", ".join(sorted(departements[row.cpts])), row
        command = ",".join(sorted({*FIXTURE_DEPARTEMENTS, *departements[row.cpts]}))
        assert row.raison.endswith(f"make data DEPARTEMENTS={command} les ajoute"), row
    assert "echecs" not in specs
    # Nouvelle-Aquitaine: the Gironde is loaded but no listing of the région is: nothing to name.
    failures, named, left_out = unloaded_for(db, BatchOptions(region="75"))
    assert (failures, named, len(left_out)) == ([], (), 0)


def test_page_names_the_cpts_whose_model_reaches_departements_not_loaded(result: dict[str, Any]) -> None:
    """Every kept CPTS of 04 and 13 lies within 60 km of a département the fixture database does not hold."""
    frame = table(result)
    reach = {d for name in KEPT for d in str(frame.loc[name, "departements_non_charges_a_portee"]).split(", ")}
    assert "83" in reach
    page = as_typed((result["maps"] / "comparaison-paca" / "index.html").read_text("utf-8"))
    assert (f"Auto-confinement surestimé, et non classé, pour {len(KEPT)} CPTS : le modèle de flux atteint des "
            f"communes de départements non chargés dans la base ({', '.join(sorted(reach))})") in page
    assert frame["rang_auto_confinement"].isna().all() and frame["auto_confinement"].notna().all()


def test_a_neighbour_of_unknown_coverage_makes_the_uncovered_population_unknown(
        fixture_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A review: Paris Nord-Est, beside Montreuil and Bagnolet (93, where no listing speaks), was shown 0 uncovered
    inhabitants nearby and ranked. Here one unit bordering Littoral Sud is made unclaimed, in a département of
    unknown coverage: the figure is unknown, not the sum over the other neighbours."""
    from pipeline.app.sections.perimeter_data import PerimeterData

    with contextlib.closing(duckdb.connect(str(fixture_data_dir / "processed" / "cpts.duckdb"),
                                           read_only=True)) as con:
        members, _ = members_and_polygons(con, ("04", "13"), 2154)
    own = set(members.loc[members["cpts"] == "CPTS Littoral Sud", "unit_code"])
    assert own == {"13208", "13209"}
    # Its neighbours, from the mirror's arrondissement contours.
    contours = gpd.read_file(mirror_path() / "contours-arrondissements-2023"
                             / "georef-france-commune-arrondissement-municipal-2023.geojson").to_crs(2154)
    contours["code"] = contours["com_arm_code"].map(lambda value: str(value[0]))
    perimeter = shapely.union_all(contours[contours["code"].isin(own)].geometry.values)
    touching = contours[~contours["code"].isin(own) & (contours.geometry.distance(perimeter) <= PARTS_TOLERANCE_M)]
    chosen = str(sorted(touching["code"])[0])
    known, claimed = PerimeterData.known_units, PerimeterData.claimed_units
    monkeypatch.setattr(PerimeterData, "known_units", lambda self: known(self) - {chosen})
    monkeypatch.setattr(PerimeterData, "claimed_units", lambda self: claimed(self) - {chosen})
    select = batch._select

    def one(con: duckdb.DuckDBPyConnection, options: BatchOptions) -> tuple[str, str, pd.DataFrame]:
        name, label, selected = select(con, options)
        return name, label, selected[selected["cpts"] == "CPTS Littoral Sud"].reset_index(drop=True)

    data = private_outputs(fixture_data_dir, tmp_path / "donnees")
    with cli_environment(data, tmp_path / "cartes") as mp:
        mp.setattr(batch, "_select", one)
        code, _out, err = run(["diagnostics", "--liste", "paca"])
    assert code == 0, err
    frame = pd.read_csv(data / "processed" / "comparaison-paca" / "comparaison.csv", sep=None, engine="python",
                        encoding="utf-8-sig").set_index("cpts")
    assert pd.isna(frame.loc["CPTS Littoral Sud", "population_non_couverte_proche"])
    assert str(frame.loc["CPTS Littoral Sud", "voisins_couverture_inconnue"]) == chosen  # said, in the table and page
    page = as_typed((tmp_path / "cartes" / "comparaison-paca" / "index.html").read_text("utf-8"))
    assert ("Population non couverte limitrophe non disponible pour 1 CPTS qui touche des unités non revendiquées "
            f"d'un département dont les listes chargées ne disent pas la couverture : CPTS Littoral Sud ({chosen}).") \
        in page
