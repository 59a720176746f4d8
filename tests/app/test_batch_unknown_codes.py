"""Hostile listings in a batch (a review): a CPTS naming no commune at all is a failure of the run (it was exit 0,
« 11 CPTS sur 11 calculées », absent from the comparison's tables); a listing whose name holds « : » names its
CPTS as any other does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.app.registries import listing_step
from pipeline.app.steps import Scope
from tests.conftest import FIXTURE_DEPARTEMENTS
from tests.render.documents_runs import database_copy, run_in, writable_database

pytestmark = [pytest.mark.mirror]


def test_a_cpts_of_unknown_codes_fails_the_batch_and_is_named(fixture_data_dir: Path, tmp_path: Path) -> None:
    listing = tmp_path / "vide.csv"
    listing.write_text("cpts,code_insee\nCPTS Vide,99999\nCPTS Vide,04999\nCPTS Digne,04070\nCPTS Loin,26198\n",
                       encoding="utf-8")
    data = database_copy(fixture_data_dir, tmp_path)
    with writable_database(data) as con:  # as « make data DEPARTEMENTS=04,13,33,75,976 CPTS=vide.csv » loads it
        assert listing_step(listing)(con, None, True, Scope(frozenset(FIXTURE_DEPARTEMENTS))).status == "chargé"
    run = run_in(data, tmp_path / "maps", ["diagnostics", "--liste", "vide"])
    assert run.code == 2, run.stderr
    assert ("CPTS « CPTS Vide » non diagnostiquée : aucune commune : ses codes sont inconnus du code officiel "
            "géographique (voir les anomalies de la liste)") in run.stderr
    # A CPTS of a département not loaded (the Drôme) is absent by the load's choice: named, not a failure.
    assert "1 CPTS de la liste sans commune chargée dans la base, non diagnostiquées : CPTS Loin" in run.stdout
    # The count is out of the CPTS tried, the one failing before its computation included (« 1 CPTS sur 1
    # calculées ; 1 en échec » left it out, a review).
    assert "1 CPTS sur 2 calculées" in run.stdout and "; 1 en échec" in run.stdout
    folder = data / "processed" / "comparaison-vide"
    failures = pd.read_csv(folder / "echecs.csv", dtype=str)
    assert list(failures["cpts"]) == ["CPTS Vide"]
    assert list(pd.read_csv(folder / "comparaison.csv", dtype=str)["cpts"]) == ["CPTS Digne"]


def test_a_listing_none_of_whose_cpts_is_loaded_names_them_with_the_command(fixture_data_dir: Path,
                                                                          tmp_path: Path) -> None:
    """A review: ``data`` loaded a listing of CPTS all outside the load (« 2 CPTS dans la liste ») and
    ``diagnostics --liste`` then called it « Liste de CPTS inconnue »."""
    listing = tmp_path / "horsbase.csv"
    # 69999 is no commune of the Rhône: loading the 69 would not bring it, so it is named apart (a review).
    listing.write_text("cpts,code_insee\nCPTS Lyon,69123\nCPTS Lyon,69999\nCPTS Gap,05061\nCPTS Gap,05023\n",
                       encoding="utf-8")
    data = database_copy(fixture_data_dir, tmp_path)
    with writable_database(data) as con:
        assert listing_step(listing)(con, None, True, Scope(frozenset(FIXTURE_DEPARTEMENTS))).status == "chargé"
    run = run_in(data, tmp_path / "maps", ["diagnostics", "--liste", "horsbase"])
    assert run.code == 2 and run.stdout == ""
    loaded, wanted = ", ".join(FIXTURE_DEPARTEMENTS), ",".join(sorted({*FIXTURE_DEPARTEMENTS, "05", "69"}))
    assert run.stderr.strip() == (
        f"Erreur : Aucune CPTS de la liste « horsbase » n'a de commune chargée dans la base (base limitée à {loaded}) "
        f": CPTS Gap (05), CPTS Lyon (69 ; codes inconnus : 69999) ; make data DEPARTEMENTS={wanted} les ajoute")


def test_a_listing_whose_name_holds_a_colon_names_its_cpts(fixture_data_dir: Path, tmp_path: Path) -> None:
    """« a:b » holds a « CPTS du Verdon », as the PACA listing does: « cpts:a:b:CPTS du Verdon » was split at the
    first colon (listing « a », CPTS « b:CPTS du Verdon ») and refused, suggesting the very name that failed."""
    from pipeline.store.territory import resolve_territory

    listing = tmp_path / "a:b.csv"
    listing.write_text("cpts,code_insee\nCPTS du Verdon,04070\nCPTS du Verdon,04001\n", encoding="utf-8")
    data = database_copy(fixture_data_dir, tmp_path)
    with writable_database(data) as con:
        assert listing_step(listing)(con, None, True, Scope(frozenset(FIXTURE_DEPARTEMENTS))).status == "chargé"
        territory = resolve_territory(con, "cpts:a:b:CPTS du Verdon")
        assert (territory.cpts, territory.listing) == ("CPTS du Verdon", "a:b")
        assert sorted(territory.units["unit_code"]) == ["04001", "04070"]
        assert resolve_territory(con, "cpts:paca:CPTS du Verdon").listing == "paca"


def test_a_region_batch_fails_the_cpts_of_unknown_codes_of_its_listings(fixture_data_dir: Path, tmp_path: Path) -> None:
    """A review: a CPTS given by its EPCI's SIREN (no commune) was left out of « diagnostics --region » without a
    word, exit 0, while « --liste » named it. It has no région of its own: it fails in the batch of each région its
    listing's other CPTS are in (Nouvelle-Aquitaine here, through Bordeaux), and in no other."""
    listing = tmp_path / "siren.csv"
    # « CPTS Quatre », 04999 (well formed, of no COG), is of the 04: it fails in the PACA batch, not this one.
    listing.write_text("cpts,code_insee\nCPTS Siren,243300316\nCPTS Bordeaux,33063\nCPTS Quatre,04999\n",
                       encoding="utf-8")
    # A second listing holding the same name: the progress lines say which listing each is of (a review read
    # « [35/38] CPTS du Verdon » then « [36/38] CPTS du Verdon »).
    other = tmp_path / "autre.csv"
    other.write_text("cpts,code_insee\nCPTS Bordeaux,33063\n", encoding="utf-8")
    data = database_copy(fixture_data_dir, tmp_path)
    with writable_database(data) as con:
        for path in (listing, other):
            assert listing_step(path)(con, None, True, Scope(frozenset(FIXTURE_DEPARTEMENTS))).status == "chargé"
    run = run_in(data, tmp_path / "maps", ["diagnostics", "--region", "75"])
    assert run.code == 2, run.stderr
    assert ("CPTS « CPTS Siren » non diagnostiquée : aucune commune : ses codes sont inconnus du code officiel "
            "géographique (voir les anomalies de la liste)") in run.stderr
    failures = pd.read_csv(data / "processed" / "comparaison-region-75" / "echecs.csv", dtype=str)
    assert failures[["cpts", "liste"]].values.tolist() == [["CPTS Siren", "siren"]]
    table = pd.read_csv(data / "processed" / "comparaison-region-75" / "comparaison.csv", dtype=str)
    assert table[["cpts", "liste"]].values.tolist() == [["CPTS Bordeaux", "autre"], ["CPTS Bordeaux", "siren"]]
    progress = [line.split(" : ")[0].strip() for line in run.stdout.splitlines() if line.startswith("  [")]
    assert progress == ["[1/2] CPTS Bordeaux (liste autre)", "[2/2] CPTS Bordeaux (liste siren)"], run.stdout


def test_a_second_batch_removes_the_outputs_of_the_cpts_it_no_longer_writes(fixture_data_dir: Path,
                                                                            tmp_path: Path) -> None:
    """A review: after « CPTS Solo » was taken out of a listing, the next batch left its report, whose link to the
    comparison named a line no longer there. The folders this comparison wrote (``summary.json`` key
    ``comparaison``) for a CPTS it no longer holds go, even when a run was stopped before removing them; a
    diagnostic of its own, or another comparison's, in a folder of the same name stays (a re-check)."""
    import json

    listing = tmp_path / "deux.csv"
    listing.write_text("cpts,code_insee\nCPTS Solo,04019\nCPTS Digne,04070\n", encoding="utf-8")
    data = database_copy(fixture_data_dir, tmp_path)

    def load_and_run() -> str:
        with writable_database(data) as con:
            assert listing_step(listing)(con, None, True, Scope(frozenset(FIXTURE_DEPARTEMENTS))).status == "chargé"
        run = run_in(data, tmp_path / "maps", ["diagnostics", "--liste", "deux"])
        assert run.code == 0, run.stderr
        return run.stdout

    load_and_run()
    solo, digne = ("cpts-cpts-solo", "cpts-cpts-digne")
    summaries = {slug: data / "processed" / "diagnostics" / slug / "summary.json" for slug in (solo, digne)}
    for slug, summary in summaries.items():
        assert json.loads(summary.read_text("utf-8"))["comparaison"] == "deux"
        assert (tmp_path / "maps" / slug / "rapport.html").is_file()
    # A folder another comparison wrote, beside them: never this one's to remove.
    other = data / "processed" / "diagnostics" / "cpts-cpts-autre"
    shutil.copytree(summaries[solo].parent, other)
    (other / "summary.json").write_text(json.dumps({"territory": "cpts:CPTS Autre", "comparaison": "autre"}),
                                        encoding="utf-8")
    listing.write_text("cpts,code_insee\nCPTS Digne,04070\n", encoding="utf-8")
    said = load_and_run()
    assert "Sorties de la comparaison précédente supprimées (1, CPTS retirées de la liste ou écrites dans un autre " \
           f"dossier) : {solo}" in said
    assert not summaries[solo].parent.exists() and not (tmp_path / "maps" / solo).exists()
    assert summaries[digne].is_file() and (other / "summary.json").is_file()
    # The folder of CPTS Digne now holds a diagnostic of its own (a user's run, no comparison): never removed.
    summaries[digne].write_text(json.dumps({**json.loads(summaries[digne].read_text("utf-8")), "comparaison": None}),
                                encoding="utf-8")
    listing.write_text("cpts,code_insee\nCPTS Solo,04019\n", encoding="utf-8")
    said = load_and_run()
    assert "supprimées" not in said and summaries[digne].is_file() and (tmp_path / "maps" / digne).is_dir()


def test_a_listing_loaded_under_a_region_comparison_s_name_is_refused_by_the_batch(fixture_data_dir: Path,
                                                                                   tmp_path: Path) -> None:
    """A re-check: a listing « region-75 » loaded before such names were refused took over the région's comparison
    (``--region 75``) and removed its CPTS's outputs."""
    listing = tmp_path / "deux.csv"
    listing.write_text("cpts,code_insee\nCPTS Digne,04070\n", encoding="utf-8")
    data = database_copy(fixture_data_dir, tmp_path)
    with writable_database(data) as con:
        assert listing_step(listing)(con, None, True, Scope(frozenset(FIXTURE_DEPARTEMENTS))).status == "chargé"
        con.execute("UPDATE cpts_membres SET listing = 'region-75' WHERE listing = 'deux'")  # as loaded before
    run = run_in(data, tmp_path / "maps", ["diagnostics", "--liste", "region-75"])
    assert run.code == 2 and run.stdout == ""
    assert run.stderr.strip() == (
        "Erreur : Une liste de CPTS ne peut pas s'appeler « region-75 » : c'est le nom de la comparaison de la région "
        "75 (make diagnostics REGION=…) : rechargez-la sous un autre nom (make data CPTS=…)")
    assert not (data / "processed" / "comparaison-region-75").exists()


def test_a_database_whose_only_listing_is_beyond_the_load_names_its_cpts_everywhere(fixture_data_dir: Path,
                                                                                   tmp_path: Path) -> None:
    """A review: loaded for the 2A and 2B, the database held the PACA listing and none of its CPTS; « diagnostic
    cpts:CPTS du Verdon », « diagnostics --liste paca » and the coverage said « Aucune liste de CPTS n'est
    chargée : lancez make data », which the same départements would load again. Here the only listing is one of
    CPTS outside the fixture's départements: each command names them, with the ``make data`` that adds them."""
    listing = tmp_path / "horsbase.csv"
    listing.write_text("cpts,code_insee\nCPTS Gap,05061\nCPTS Gap,05023\nCPTS Avignon,84007\n", encoding="utf-8")
    data = database_copy(fixture_data_dir, tmp_path)
    with writable_database(data) as con:
        for table in ("cpts_membres", "cpts_perimetres", "cpts_anomalies"):  # as if PACA's had never been loaded
            con.execute(f"DELETE FROM {table}")
        assert listing_step(listing)(con, None, True, Scope(frozenset(FIXTURE_DEPARTEMENTS))).status == "chargé"
    loaded, wanted = ", ".join(FIXTURE_DEPARTEMENTS), ",".join(sorted({*FIXTURE_DEPARTEMENTS, "05", "84"}))
    named = (f"Erreur : Aucune CPTS de la liste « horsbase » n'a de commune chargée dans la base (base limitée à "
             f"{loaded}) : CPTS Avignon (84), CPTS Gap (05) ; make data DEPARTEMENTS={wanted} les ajoute")
    for argv in (["diagnostics", "--liste", "horsbase"], ["couverture", "--departement", "04"]):
        run = run_in(data, tmp_path / "maps", argv)
        assert (run.code, run.stderr.strip()) == (2, named), argv
    run = run_in(data, tmp_path / "maps", ["diagnostic", "cpts:CPTS Gap"])
    gap = ",".join(sorted({*FIXTURE_DEPARTEMENTS, "05"}))
    assert (run.code, run.stderr.strip()) == (2, (
        "Erreur : CPTS « CPTS Gap » (liste horsbase) : aucune de ses communes n'est dans la base ; 2 communes hors "
        f"des départements chargés dans la base (05 ; make data DEPARTEMENTS={gap} les ajoute)"))
    run = run_in(data, tmp_path / "maps", ["diagnostic", "cpts:CPTS Imaginaire"])
    assert (run.code, run.stderr.strip()) == (2, (
        "Erreur : CPTS inconnue : « CPTS Imaginaire » ; aucune CPTS des listes chargées (horsbase) n'a de commune "
        f"dans la base (base limitée à {loaded}) ; make data DEPARTEMENTS={wanted} les ajoute"))
