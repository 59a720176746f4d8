"""What the territory resolution says on a database loaded for some départements, and of names as files write
them (fixture database: 04, 13, 33, 75, 976).

- ``cpts:NOM`` of a CPTS of a loaded listing none of whose communes is in the database says why, with the
  ``make data`` that loads them, rather than « CPTS inconnue » and an unrelated suggestion (a review:
  « cpts:CPTS Grand Avignon », without the Vaucluse, suggested the CPTS du Verdon);
- codes outside the load are one line with one command; an EPCI crossing the load counts as its headline;
- a drawn perimeter over the sea is not beyond the load, one holding unloaded communes is;
- a file listing several CPTS is no territory; commune names read in other forms (« Mées (Les) »)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from pipeline.errors import TerritoryError
from pipeline.store.territory import resolve_territory
from tests.conftest import FIXTURE_DEPARTEMENTS

pytestmark = [pytest.mark.mirror]


def test_a_cpts_wholly_outside_the_load_is_named_with_its_departements(db: duckdb.DuckDBPyConnection,
                                                                       mirror: Path) -> None:
    with open(mirror / "cpts" / "paca-cpts-communes.csv", encoding="utf-8") as handle:
        codes = sorted({row["code_insee"] for row in csv.DictReader(handle) if row["cpts"] == "CPTS Grand Avignon"})
    departements = sorted({code[:2] for code in codes})
    assert codes and not set(departements) & set(FIXTURE_DEPARTEMENTS)
    wanted = ",".join(sorted({*FIXTURE_DEPARTEMENTS, *departements}))
    expected = (f"CPTS « CPTS Grand Avignon » (liste paca) : aucune de ses communes n'est dans la base ; "
                f"{len(codes)} communes hors des départements chargés dans la base ({', '.join(departements)} ; "
                f"make data DEPARTEMENTS={wanted} les ajoute)")
    for spec in ("cpts:CPTS Grand Avignon", "cpts:cpts grand avignon", "cpts:paca:CPTS Grand Avignon"):
        with pytest.raises(TerritoryError) as info:
            resolve_territory(db, spec)
        assert str(info.value) == expected, spec
    with pytest.raises(TerritoryError, match=r"^CPTS inconnue : « CPTS Nulle Part »"):
        resolve_territory(db, "cpts:CPTS Nulle Part")
    # A loaded CPTS of a near name is still suggested (the PACA listing holds « CPTS Gapençais », one commune of
    # the 05, beside « CPTS du Gapençais »).
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, "cpts:CPTS Gapençais")
    assert str(info.value).endswith("les ajoute) ; vouliez-vous dire : « cpts:CPTS du Gapençais » ?")


def test_a_listing_of_several_cpts_is_no_territory(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """A review: the PACA listing cut to the 04 and 13 ran as one territory of 33 CPTS and 2.2 million inhabitants,
    without a word. A file whose ``cpts`` column names two CPTS is refused on the line of the second; one naming a
    single CPTS is its territory."""
    path = tmp_path / "liste.csv"
    path.write_text("code_insee,cpts\n04070,CPTS A\n04001,CPTS A\n04112,CPTS B\n", encoding="utf-8")
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{path}")
    assert (info.value.message, info.value.line) == (
        "Fichier de 2 CPTS (colonne « cpts » : « CPTS A », « CPTS B ») : c'est une liste de CPTS, pas un territoire ; "
        "chargez-la (make data CPTS=chemin) puis diagnostiquez chacune (TERRITORY=\"cpts:NOM\", ou make diagnostics "
        "pour toutes), ou renommez la colonne « cpts » pour diagnostiquer toutes ces communes ensemble", 4)
    # Renamed, the column is an attribute like any other: the communes of a planned merger, diagnosed together.
    path.write_text("code_insee,cpts_d_origine\n04070,CPTS A\n04001,CPTS A\n04112,CPTS B\n", encoding="utf-8")
    assert sorted(resolve_territory(db, f"fichier:{path}").units["unit_code"]) == ["04001", "04070", "04112"]
    path.write_text("code_insee,cpts\n04070,CPTS A\n04001,CPTS A\n", encoding="utf-8")
    assert sorted(resolve_territory(db, f"fichier:{path}").units["unit_code"]) == ["04001", "04070"]


def test_codes_outside_the_load_are_one_line_with_one_command(db: duckdb.DuckDBPyConnection) -> None:
    """A review: a file of the PACA codes printed 625 lines on the fixture database, each with a ``make data`` adding
    its own département only, so that following any of them still failed. Several codes outside the load are one
    line naming them and one command adding all their départements; one keeps its own line."""
    loaded = ", ".join(sorted(FIXTURE_DEPARTEMENTS))
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, "communes:2A004,2B033,04070,06088,99999")
    wanted = ",".join(sorted({*FIXTURE_DEPARTEMENTS, "06", "2A", "2B"}))
    assert str(info.value) == (
        "Territoire non résolu (communes:2A004,2B033,04070,06088,99999) :\n  - 3 codes INSEE hors des départements "
        f"chargés (base limitée à {loaded} ; départements 06, 2A, 2B : ajoutez-les avec « make data DEPARTEMENTS="
        f"{wanted} », ou chargez toute la France avec « make data FRANCE=1 ») : 2A004, 2B033, 06088\n"
        "  - code INSEE inconnu : 99999")
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, "communes:06088,04070")
    assert str(info.value).startswith("Territoire non résolu (communes:06088,04070) :\n  - code INSEE 06088 : hors "
                                      "des départements chargés")


@pytest.mark.parametrize(("given", "code"), [
    ("Robine-sur-Galabre (La)", "04167"), ("St-Martin-de-Crau", "13097"), ("Marseille 1er", "13201"),
    ("MARSEILLE 2E ARR", "13202"),
])
def test_commune_names_as_files_write_them(db: duckdb.DuckDBPyConnection, mirror: Path, given: str,
                                           code: str) -> None:
    """A review: ``communes:Mées (Les)``, ``St-Martin-de-Crau`` and ``Marseille 1er`` were refused (with unrelated
    suggestions) though a file's names column reads them. Codes from the mirror's 2026 communes."""
    import json
    import tarfile

    package = mirror / "decoupage-administratif" / "etalab-decoupage-administratif-6.0.0.tgz"
    with tarfile.open(package) as tar:
        member = tar.extractfile("package/data/communes.json")
        assert member is not None
        names = {c["code"]: c["nom"] for c in json.load(member)
                 if c["type"] in ("commune-actuelle", "arrondissement-municipal")}
    assert names[code] in ("La Robine-sur-Galabre", "Saint-Martin-de-Crau", "Marseille 1er Arrondissement",
                           "Marseille 2e Arrondissement")
    assert list(names.values()).count(names[code]) == 1
    territory = resolve_territory(db, f"communes:{given}")
    assert territory.units["unit_code"].tolist() == [code]
    assert any(note.startswith(f"« {given} » lu comme") for note in territory.notes)
    # « Les Mées » is also a commune of the Sarthe, a département this database does not hold: ambiguous, as on
    # a load of all France (it was read as the 04's).
    assert sorted(c for c, nom in names.items() if nom == "Les Mées") == ["04116", "72192"]
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, "communes:Mées (Les)")
    assert ("« Mées (Les) » est ambigu : Les Mées (04116, dép. 04) ; hors des départements chargés : Les Mées "
            "(72192, dép. 72)") in info.value.message


def test_a_perimeter_over_the_sea_is_not_beyond_the_load(db: duckdb.DuckDBPyConnection, mirror: Path,
                                                         tmp_path: Path) -> None:
    """A review: a disc drawn over Marseille's coast (5.37° E, 43.2° N, 0.08°) covers no commune of another
    département, only the sea beside the 8e arrondissement, yet was said partly outside the load and lost its
    taille. The mirror's contours: no commune of the Var (83) reaches within the disc."""
    import json

    import shapely
    from shapely.geometry import Point, mapping, shape

    disc = Point(5.37, 43.2).buffer(0.08)
    var = next((mirror / "contours-communes-2018").glob("communes-83-*.geojson"))
    assert not any(shape(f["geometry"]).intersects(disc)
                   for f in json.loads(var.read_text(encoding="utf-8"))["features"])
    assert shapely.area(disc) > 0.02  # about 180 km², most of it sea
    path = tmp_path / "cote.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": mapping(disc)}]}), encoding="utf-8")
    territory = resolve_territory(db, f"fichier:{path}")
    assert not territory.beyond_the_load
    assert not any("ne recouvrent aucune commune chargée" in note for note in territory.notes)
    # A disc across the Durance around Manosque holds the representative points of communes of the Var and the
    # Vaucluse (mirror's contours, representative point as the pipeline places a commune): beyond the load.
    across = Point(5.79, 43.83).buffer(0.2)
    beyond = [f["properties"]["code"] for dep in ("83", "84")
              for f in json.loads(next((mirror / "contours-communes-2018").glob(f"communes-{dep}-*.geojson"))
                                  .read_text(encoding="utf-8"))["features"]
              if across.contains(shape(f["geometry"]).representative_point())]
    assert beyond
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": mapping(across)}]}), encoding="utf-8")
    territory = resolve_territory(db, f"fichier:{path}")
    assert territory.beyond_the_load
    assert any("ne recouvrent aucune commune chargée" in note for note in territory.notes)


def test_a_zone_beyond_the_load_is_counted_as_its_headline(db: duckdb.DuckDBPyConnection, mirror: Path) -> None:
    """A review: ``epci:200054807`` (Aix-Marseille-Provence) read « 90 unités » and « 2 unités de cet EPCI sur
    107 hors des départements chargés », Marseille counted once in the first and as its 16 arrondissements in the
    second. The EPCI's members in the mirror's 2026 package: 92 communes, 2 of them outside the fixture's
    départements."""
    import json
    import tarfile

    package = mirror / "decoupage-administratif" / "etalab-decoupage-administratif-6.0.0.tgz"
    with tarfile.open(package) as tar:
        member = tar.extractfile("package/data/epci.json")
        assert member is not None
        members = next(e["membres"] for e in json.load(member) if e["code"] == "200054807")
    beyond = [m["code"] for m in members if m["code"][:2] not in FIXTURE_DEPARTEMENTS]
    territory = resolve_territory(db, "epci:200054807")
    assert len(territory.units) == len(members) - len(beyond)
    assert f"{len(beyond)} unités de cet EPCI sur {len(members)} hors des départements chargés : le territoire ne " \
           "contient que la partie chargée, et ses chiffres ne portent que sur elle" in territory.notes
