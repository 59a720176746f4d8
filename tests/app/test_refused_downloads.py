"""A publisher's file that downloads whole but does not read (a review, against a hostile local server): kept in
``data/raw/``, it stopped every later ``make data`` with exit 2 and was never fetched again. It is now deleted and
the run says so: Filosofi, optional, is left out (the load goes on, income « non disponible »); the contours,
needed, end the run as a system error (exit 1). A copy kept from an earlier run is not said « téléchargé »."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest

from pipeline.app import contours_steps, filosofi_step
from pipeline.app.steps import Scope
from pipeline.errors import SourceUnavailableError
from pipeline.sources.contours_download import EtalabContours
from pipeline.sources.download import LocalFile, sha256_of
from tests.app.test_online_sources import etalab_communes
from tests.render.documents_runs import database_copy, writable_database

pytestmark = [pytest.mark.mirror]

URL = "http://127.0.0.1:9/filosofi/indic-struct-distrib-revenu-2019-COMMUNES_csv.zip"


def test_a_filosofi_zip_without_its_file_is_deleted_and_the_load_goes_on(
        fixture_data_dir: Path, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "raw" / "filosofi" / "indic-struct-distrib-revenu-2019-COMMUNES_csv.zip"
    bad.parent.mkdir(parents=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # the review's: the metadata file only
        archive.writestr("meta_FILO2019_DISP_COM.csv", "COD_VAR;LIB_VAR\n")
    bad.write_bytes(buffer.getvalue())
    epci = mirror / filosofi_step.FILOSOFI_EPCI.mirror_path
    files = {filosofi_step.FILOSOFI_COMMUNES.name: LocalFile(bad, URL, sha256_of(bad)),
             filosofi_step.FILOSOFI_EPCI.name: LocalFile(epci, f"miroir:{epci}", sha256_of(epci))}
    monkeypatch.setattr(filosofi_step, "obtain", lambda source, mirror: files[source.name])
    data = database_copy(fixture_data_dir, tmp_path / "copie")
    with writable_database(data) as con:
        before = con.execute("SELECT count(*) FROM filosofi_communes").fetchall()[0]
        result = filosofi_step.load_filosofi(con, None, True, Scope(frozenset({"04"})))
        after = con.execute("SELECT count(*) FROM filosofi_communes").fetchall()[0]
    assert result.status == "impossible"
    assert not bad.exists()
    assert before == after and before[0] > 0  # the tables keep what an earlier load put there
    (said,) = result.details
    assert said.startswith(f"Filosofi 2019 non chargé : Fichier téléchargé de {URL} inutilisable : Archive Filosofi "
                           "sans fichier FILOAAAA_DISP_COM.csv")
    assert said.endswith("le fichier a été supprimé, relancez « make data » pour le télécharger de nouveau (si "
                         f"l'erreur revient, c'est le fichier publié qui est en cause) (fichier {bad}) ; le "
                         "chargement précédent de Filosofi est conservé, et les revenus des diagnostics en viennent")
    # A load adding the Hautes-Alpes, which the earlier one did not hold: their income is not there (a re-check).
    bad.write_bytes(buffer.getvalue())
    with writable_database(data) as con:
        (said,) = filosofi_step.load_filosofi(con, None, True, Scope(frozenset({"04", "05"}))).details
    assert said.endswith("; le chargement précédent de Filosofi est conservé, sans les départements 05 : leurs "
                         "revenus seront « non disponibles »")


def test_contours_that_do_not_read_are_deleted_and_end_the_run(
        fixture_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "raw" / "contours-etalab" / "2026" / "communes-50m.geojson.gz"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(gzip.compress(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": None, "properties": {"code": "04070", "nom": "Digne-les-Bains"}}]}).encode()))
    url = "http://127.0.0.1:9/contours/2026/geojson/communes-50m.geojson.gz"
    monkeypatch.setattr(contours_steps, "_etalab",
                        lambda layer="communes": EtalabContours(bad, 2026, url, sha256_of(bad)))
    data = database_copy(fixture_data_dir, tmp_path / "copie")
    with writable_database(data) as con, pytest.raises(SourceUnavailableError) as info:
        contours_steps.load_contours(con, None, True, Scope(frozenset({"04"})))
    assert info.value.exit_code == 1
    assert not bad.exists()
    assert info.value.message.startswith(f"Fichier des contours 2026 téléchargé de {url} inutilisable : Contours "
                                         "Etalab invalides : géométrie vide pour 04070")


def test_contours_kept_from_an_earlier_run_are_said_read_not_downloaded(
        fixture_data_dir: Path, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = tmp_path / "raw" / "contours-etalab" / "2026" / "communes-50m.geojson.gz"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(etalab_communes(mirror))
    url = "http://127.0.0.1:9/contours/2026/geojson/communes-50m.geojson.gz"
    monkeypatch.setattr(contours_steps, "_etalab",
                        lambda layer="communes": EtalabContours(kept, 2026, url, sha256_of(kept)))
    data = database_copy(fixture_data_dir, tmp_path / "copie")
    with writable_database(data) as con:
        result = contours_steps.load_contours(con, None, True, Scope(frozenset({"04"})))
    assert result.status == "chargé"
    assert f"contours 2026 lus dans {kept} (téléchargés plus tôt depuis {url})" in result.details
    assert not any("téléchargés depuis" in d for d in result.details)


def test_a_departement_whose_filosofi_load_was_refused_is_said_not_loaded(fixture_data_dir: Path,
                                                                         tmp_path: Path) -> None:
    """A re-check: after a Filosofi download refused on a load adding the Bouches-du-Rhône, Aix-en-Provence read
    « hors du champ de Filosofi (… Guadeloupe, Guyane, Mayotte) » and PACA's figures, those of the 04 alone, were
    not said to lack the 13. Here the 13's rows are removed from a copy of the fixture database."""
    from pipeline.app.sections.areas import areas_section
    from pipeline.app.sections.characteristics import income_section
    from pipeline.store.territory import resolve_territory

    data = database_copy(fixture_data_dir, tmp_path / "copie")
    with writable_database(data) as con:
        con.execute("DELETE FROM filosofi_communes WHERE commune LIKE '13%'")
        territory = resolve_territory(con, "communes:13001", None)
        income = income_section(con, territory.units, areas_section(con, territory, "13", "93").zones)
    rows = income.zones.set_index("niveau")
    assert rows.loc["territoire", "methode"] == (
        "non disponible : Filosofi 2019 n'est pas chargé pour son département (téléchargement refusé lors de son "
        "ajout ; relancez « make data »)")
    assert rows.loc["departement", "methode"] == rows.loc["territoire", "methode"]
    assert rows.loc["region", "methode"].endswith(" ; sans le département 13 (Filosofi non chargé)")
    assert income.per_unit["statut"].tolist() == [
        "non disponible : Filosofi 2019 n'est pas chargé pour son département (relancez « make data »)"]
    assert not income.per_unit["hors_champ"].any()
    assert "sans 13" not in rows.loc["france", "libelle"]  # « absent de Filosofi » is Mayotte's only
