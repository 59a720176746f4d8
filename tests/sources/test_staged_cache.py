"""The staged-frame cache: a file parsed once gives the same frames at every later load, and never a failure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import config
from pipeline.errors import DataError
from pipeline.geography import departements_of
from pipeline.sources import apl, contours, decoupage, insee, staged_cache


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(staged_cache.CACHE_DIR_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


class Counting:
    """A staging function that counts its calls."""

    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.frames, self.calls = frames, 0

    def __call__(self) -> dict[str, pd.DataFrame]:
        self.calls += 1
        return {name: frame.copy() for name, frame in self.frames.items()}


def assert_identical(expected: dict[str, pd.DataFrame], got: dict[str, pd.DataFrame]) -> None:
    """Same tables, values, dtypes, index; in object columns the same Python type cell by cell."""
    assert list(got) == list(expected)
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(got[name], frame, check_exact=True)
        for column in [c for c in frame.columns if frame[c].dtype == object]:
            assert [type(v) for v in got[name][column]] == [type(v) for v in frame[column]], (name, column)


def mixed_frame() -> pd.DataFrame:
    """Every kind of column the staging modules give: None in object columns, NaN in str ones, NA in Int64."""
    return pd.DataFrame({
        "code": pd.Series(["04070", None, "2A004"], dtype=object),
        "nom": pd.Series(["Digne-les-Bains", np.nan, "Ajaccio"], dtype="str"),
        "population": pd.array([17979, None, 73000], dtype="Int64"),
        "annee": np.array([2023, 2023, 2022], dtype="int32"),
        "apl": [3.4, np.nan, 2.0],
        "secret": [False, True, False],
        "niveau": pd.Categorical(["commune", "commune", "arrondissement"]),
    })


def test_a_file_is_staged_once_and_read_back_identical() -> None:
    stage = Counting({"communes": mixed_frame(), "vide": pd.DataFrame({"code": pd.Series([], dtype=object)})})
    first = staged_cache.staged("essai", "a" * 64, stage)
    second = staged_cache.staged("essai", "a" * 64, stage)
    assert stage.calls == 1
    assert_identical(stage.frames, first)
    assert_identical(stage.frames, second)
    assert second["communes"]["code"][1] is None  # not NaN: code reading None as « absent » keeps working


def test_another_file_or_another_code_is_staged_again(monkeypatch: pytest.MonkeyPatch) -> None:
    stage = Counting({"communes": mixed_frame()})
    staged_cache.staged("essai", "a" * 64, stage)
    staged_cache.staged("essai", "b" * 64, stage)
    assert stage.calls == 2
    monkeypatch.setattr(staged_cache, "code_digest", lambda: "un autre code de staging")
    staged_cache.staged("essai", "a" * 64, stage)
    assert stage.calls == 3


def test_one_entry_per_source_is_kept(private_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A newer file, or newer code, replaces the source's entry; other sources' entries stay."""
    stage = Counting({"communes": mixed_frame()})
    staged_cache.staged("essai", "a" * 64, stage)
    staged_cache.staged("essai-bis", "a" * 64, stage)  # another source whose name starts the same way
    staged_cache.staged("essai", "b" * 64, stage)
    monkeypatch.setattr(staged_cache, "code_digest", lambda: "un autre code de staging")
    staged_cache.staged("essai", "b" * 64, stage)
    names = sorted(p.name.rsplit("-", 1)[0] for p in private_cache.iterdir())
    assert names == ["essai", "essai-bis"]
    assert stage.calls == 4
    staged_cache.staged("essai", "b" * 64, stage)
    assert stage.calls == 4


def test_the_code_digest_follows_the_package_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any changed module of the package gives another digest: frames staged by older rules are never read."""
    assert Path(staged_cache.__file__).resolve().parent.parent == staged_cache._PACKAGE
    package = tmp_path / "paquet"
    (package / "sources").mkdir(parents=True)
    module = package / "sources" / "regle.py"
    module.write_text("SEUIL = 1\n", encoding="utf-8")
    monkeypatch.setattr(staged_cache, "_PACKAGE", package)
    digests = []
    for text in ("SEUIL = 1\n", "SEUIL = 2\n", "SEUIL = 1\n"):
        module.write_text(text, encoding="utf-8")
        staged_cache.code_digest.cache_clear()
        digests.append(staged_cache.code_digest())
    staged_cache.code_digest.cache_clear()
    assert digests[0] != digests[1] and digests[0] == digests[2]
    # So does a data file of the package (a nomenclature regrouping categories), not only its modules.
    (package / "data").mkdir()
    table = package / "data" / "categories.csv"
    for text in ("code,groupe\n620,Autre\n", "code,groupe\n620,Pharmacie\n"):
        table.write_text(text, encoding="utf-8")
        staged_cache.code_digest.cache_clear()
        digests.append(staged_cache.code_digest())
    staged_cache.code_digest.cache_clear()
    assert len({digests[0], digests[3], digests[4]}) == 3


def test_a_damaged_entry_is_staged_again(private_cache: Path) -> None:
    stage = Counting({"communes": mixed_frame()})
    staged_cache.staged("essai", "a" * 64, stage)
    (parquet,) = private_cache.glob("essai-*/communes.parquet")
    parquet.write_bytes(parquet.read_bytes()[:100])
    again = staged_cache.staged("essai", "a" * 64, stage)
    assert stage.calls == 2
    assert_identical(stage.frames, again)


def test_an_unwritable_cache_never_fails_the_load(private_cache: Path) -> None:
    private_cache.write_text("un fichier, pas un dossier", encoding="utf-8")
    stage = Counting({"communes": mixed_frame()})
    assert_identical(stage.frames, staged_cache.staged("essai", "a" * 64, stage))
    assert_identical(stage.frames, staged_cache.staged("essai", "a" * 64, stage))
    assert stage.calls == 2


@pytest.mark.parametrize("column", [
    pd.Series([1, "deux", None], dtype=object),  # Parquet refuses mixed types
    pd.Series(["a", np.nan, None], dtype=object),  # NaN would come back as None
], ids=["types-mixtes", "nan-et-none"])
def test_frames_parquet_cannot_hold_exactly_are_not_cached(private_cache: Path, column: pd.Series) -> None:
    stage = Counting({"communes": pd.DataFrame({"valeur": column})})
    first = staged_cache.staged("essai", "a" * 64, stage)
    assert_identical(stage.frames, first)
    assert_identical(stage.frames, staged_cache.staged("essai", "a" * 64, stage))
    assert stage.calls == 2
    assert not any(private_cache.glob("essai-*"))  # not even a temporary folder left


def test_a_staging_error_propagates_and_nothing_is_cached(private_cache: Path) -> None:
    def broken() -> dict[str, pd.DataFrame]:
        raise DataError("Fichier invalide")

    with pytest.raises(DataError, match="Fichier invalide"):
        staged_cache.staged("essai", "a" * 64, broken)
    assert not private_cache.exists() or not any(private_cache.iterdir())


@pytest.mark.mirror
def test_real_files_read_back_from_the_cache_equal_their_staging(mirror: Path) -> None:
    """The APL workbook (object names), the INSEE table (object codes with None) and a COG vintage."""
    vintage = decoupage.stage_vintage(mirror / config.decoupage_file(2026).mirror_path, 2026)
    cases = {
        "drees-apl": {"apl": apl.stage_apl(mirror / config.APL.mirror_path)},
        "insee-appartenance": {"t": insee.stage_appartenance(mirror / config.APPARTENANCE.mirror_path)},
        "decoupage-2026": {name: getattr(vintage, name) for name in ("communes", "edges", "departements",
                                                                     "regions", "epci", "epci_membres")},
    }
    for name, fresh in cases.items():
        staged_cache.staged(name, "c" * 64, Counting(fresh))
        assert_identical(fresh, staged_cache.staged(name, "c" * 64, lambda: pytest.fail("staged twice")))


@pytest.mark.mirror
def test_commune_polygons_read_back_from_the_cache_equal_the_geojson_files(mirror: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Two départements' GeoJSON files: the second read gives the same codes, names and coordinates, unparsed."""
    files = [f for f in contours.list_files(mirror / config.CONTOURS_MIRROR_DIR)
             if f.name.split("-")[1] in ("04", "05")]
    sha = contours.files_sha256(files)
    fresh = contours.read_polygons(files)
    first = contours.read_polygons_cached(files, sha)
    monkeypatch.setattr(contours, "read_polygons", lambda _: pytest.fail("GeoJSON parsed twice"))
    again = contours.read_polygons_cached(files, sha)
    for got in (first, again):
        assert got.crs == fresh.crs
        assert got[["code", "nom", "fichier"]].equals(fresh[["code", "nom", "fichier"]])
        assert got.geometry.geom_equals_exact(fresh.geometry, tolerance=0).all()
    assert len(fresh) == 198 + 163  # features of the 2018 files of Alpes-de-Haute-Provence and Hautes-Alpes


def test_departements_of_codes_vectorised() -> None:
    codes = pd.Series(["04070", "2A004", "97101", "97611", None, "75056"], dtype="string")
    assert departements_of(codes).tolist() == ["04", "2A", "971", "976", pd.NA, "75"]
