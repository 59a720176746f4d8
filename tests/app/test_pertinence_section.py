"""The « Pertinence du périmètre » section of every diagnostic (issue 13 item 1; seed 003 §6.1).

Seed 003, §6.1 « La pertinence du territoire » : « Le territoire pertinent d'une CPTS est avant tout
le “territoire vécu” et qui a du sens pour les professionnels de santé et la population : il se définit
[...] en cohérence avec les parcours effectifs des patients. » The ARS may oppose a projet de santé on
« la pertinence du territoire d'action de la communauté professionnelle territoriale de santé ».

Known answers: a hand-made ``FLUX=`` table (figures computed by hand below), the modelled
self-containment against the flow section's (another code path), the zones cut against counts
made here with SQL on the fixture database.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline import cli
from pipeline.app.diagnostic import compute
from pipeline.geography import arrondissements_of
from pipeline.model import DiagnosticOptions
from pipeline.model.diagnostic import PertinenceSection
from pipeline.render.sections.pertinence import INSTRUCTION_QUOTE, pertinence_section
from pipeline.store.territory import resolve_territory
from tests.app import profile_raw as raw
from tests.conftest import FIXTURE_DEPARTEMENTS, private_outputs
from tests.docx_reading import read_docx

pytestmark = [pytest.mark.mirror]

VERDON = "cpts:CPTS du Verdon"

#: Hand-made GP consultations: Digne-les-Bains (04070) and Archail (04009) form the perimeter.
OD_ROWS = [
    ("04070", "04070", 800), ("04070", "04009", 100), ("04070", "04112", 100),  # Digne: 900 / 1000 inside
    ("04009", "04070", 30), ("04009", "04009", 10), ("04009", "04112", 60),  # Archail: 40 / 100 inside
    # Manosque: 70 % into the perimeter -> candidate (100 000 consultations, some 4 per inhabitant: all its
    # residents', as a candidate's must be)
    ("04112", "04070", 70_000), ("04112", "04112", 30_000),
    ("04036", "04112", 50),  # Le Brusquet: nothing into the perimeter
]  # fmt: skip


def diagnostic(con: duckdb.DuckDBPyConnection, spec: str, flows: Path | None = None):  # type: ignore[no-untyped-def]
    territory = resolve_territory(con, spec)
    return compute(con, territory, DiagnosticOptions(territory=spec, flows=flows))


def test_modelled_self_containment_equals_the_flow_sections(db: duckdb.DuckDBPyConnection) -> None:
    d = diagnostic(db, VERDON)
    p = d.pertinence
    assert p is not None and p.available and p.kind == "modele"
    gp = d.flows.synthesis.set_index("groupe").loc["Médecins généralistes"]
    # Same Huff model and parameters: the perimeter's share computed on its own domain by the flow section.
    assert p.self_containment == pytest.approx(gp["auto_confinement"], abs=1e-9)
    assert 0 < p.self_containment < 1
    assert p.population == pytest.approx(d.population.total)
    assert p.candidate_min_share == 0.5 and p.examine_below_share == 0.5  # parametres.toml
    # Every unit to examine keeps less than half of its residents' consultations, every candidate sends
    # at least half into the perimeter.
    assert (p.to_examine["share_inside"] < 0.5).all()
    assert (p.candidates["share_into_perimeter"] >= 0.5).all()
    assert set(p.candidates["code"]).isdisjoint(d.territory.unit_codes)
    assert set(p.to_examine["code"]) <= set(d.territory.unit_codes)
    # The map's tooltips name the CPTS claiming each candidate, as the raw listing does (a review: they did not).
    assert p.shapes is not None and len(p.candidates) > 0
    listing = pd.read_csv(raw.mirror_path() / "cpts" / "paca-cpts-communes.csv", dtype=str)
    for code, info in zip(p.shapes["code"], p.shapes["info"], strict=True):
        claiming = sorted(listing.loc[listing["code_insee"] == code, "cpts"])
        if code in set(p.candidates["code"]):
            assert info.endswith(f"revendiquée par {', '.join(claiming)}" if claiming else
                                 "revendiquée par aucune CPTS"), info


def test_zones_cut_counted_in_the_whole_country(db: duckdb.DuckDBPyConnection) -> None:
    # The fixture database holds 04, 13, 33, 75, 976: a zone crossing into another département is cut all the
    # same, its units there counted outside (from the national INSEE table), their population unknown.
    # Bassins de vie from the INSEE table, EPCI from the newest COG package (the CA Durance-Lubéron-Verdon has
    # Vinon-sur-Verdon in the Var, not loaded in the fixture).
    d = diagnostic(db, VERDON)
    inside = set(d.territory.unit_codes)
    epci = {m["code"]: e["code"] for e in raw.package("6.0.0", "epci") for m in e["membres"]}
    zone_of = {"BV2022": {c: r["BV2022"] for c, r in raw.appartenance().items()}, "EPCI": epci}
    cut = d.pertinence.cut_zones
    assert len(cut) > 0
    for column, level in (("BV2022", "bassin de vie 2022"), ("EPCI", "EPCI")):
        touched = {zone_of[column].get(c) for c in inside} - {None}
        expected = {z for z in touched if not {c for c, v in zone_of[column].items() if v == z} <= inside}
        got = cut[cut["level"] == level].set_index("zone")
        assert set(got.index) == expected
        for zone in expected:
            members = {c for c, v in zone_of[column].items() if v == zone}
            unloaded = {c for c in members if c[:2] not in FIXTURE_DEPARTEMENTS}
            assert got.loc[zone, "n_units_in"] == len(members & inside)
            assert got.loc[zone, "n_units_out"] == len(members - inside)
            assert pd.isna(got.loc[zone, "population_out"]) == bool(unloaded)
            if unloaded:
                assert got.loc[zone, "units_out"].endswith(f"{len(unloaded)} hors des départements chargés")
    assert "83012" in set(cut["zone"])  # Barjols: one Verdon commune in the 04, nine in the Var
    assert cut.set_index("zone").loc["200034700", "n_units_out"] == 14  # 13 in the 04, Vinon-sur-Verdon (83)


def test_commune_merged_since_the_zonings_is_no_unit_outside(db: duckdb.DuckDBPyConnection) -> None:
    # The 2024 INSEE table lists 21 communes in the bassin de vie 33506 (Sauveterre-de-Guyenne); one of them,
    # Saint-Genis-du-Bois (33409), is a commune déléguée of the 2026 COG, inside its current commune.
    listed = [c for c, r in raw.appartenance().items() if r["BV2022"] == "33506"]
    merged = {c["code"] for c in raw.package("6.0.0", "communes") if c["type"] == "commune-deleguee"}
    assert len(listed) == 21 and "33409" in merged
    # Its 20 current communes: Porte-de-Benauge (33008), which absorbed 33409, is in its own bassin de vie.
    d = diagnostic(db, "bv:33506")
    assert set(d.territory.unit_codes) == set(listed) - merged
    assert raw.appartenance()["33008"]["BV2022"] != "33506"
    cut = d.pertinence.cut_zones
    assert "33506" not in set(cut.loc[cut["level"] == "bassin de vie 2022", "zone"])


def test_given_flow_table_known_answers(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    table = tmp_path / "flux.csv"
    table.write_text("origine;destination;volume\n" + "".join(f"{o};{d};{v}\n" for o, d, v in OD_ROWS), "utf-8")
    d = diagnostic(db, "communes:04070,04009", table)
    p = d.pertinence
    assert p.kind == "table" and "flux.csv" in p.origin
    assert p.self_containment == pytest.approx((900 + 40) / (1000 + 100))
    assert list(p.candidates["code"]) == ["04112"]
    assert p.candidates.loc[0, "share_into_perimeter"] == pytest.approx(0.7)
    assert p.candidates.loc[0, "volume_into_perimeter"] == pytest.approx(70_000)
    claimed = db.execute("SELECT DISTINCT cpts FROM cpts_membres WHERE unit_code = '04112'").df()["cpts"]
    assert p.candidates.loc[0, "claimed_by"] == "; ".join(sorted(claimed))
    assert list(p.to_examine["code"]) == ["04009"]
    assert p.to_examine.loc[0, "share_inside"] == pytest.approx(0.4)
    assert p.to_examine.loc[0, "main_destination"] == "04112"
    assert p.to_examine.loc[0, "main_destination_share"] == pytest.approx(0.6)
    # With Manosque every resident's consultation of the table stays inside.
    assert p.self_containment_with_candidates == pytest.approx(1.0)
    population = db.execute("SELECT sum(population) FROM communes WHERE vintage = (SELECT max(vintage) FROM "
                            "communes) AND code IN ('04070', '04009', '04112')").fetchall()[0][0]
    assert p.population_with_candidates == pytest.approx(population)


def test_arrondissement_territory_is_judged_on_arrondissements(db: duckdb.DuckDBPyConnection) -> None:
    d = diagnostic(db, "communes:13201,13202,13203")
    p = d.pertinence
    assert p is not None and p.available
    codes = set(p.candidates["code"]) | set(p.to_examine["code"])
    assert "13055" not in codes
    assert codes <= set(arrondissements_of("13055")) | {c for c in codes if not c.startswith("132")}
    # Marseille's bassin de vie is cut: the other 13 arrondissements are counted as its units outside.
    bv = p.cut_zones[(p.cut_zones["level"] == "bassin de vie 2022") & (p.cut_zones["zone"] == "13055")]
    assert len(bv) == 1
    assert bv.iloc[0]["n_units_in"] == 3
    listed, _, unloaded = bv.iloc[0]["units_out"].partition(" et ")
    assert set(arrondissements_of("13055")[3:]) <= set(listed.split(", "))
    # Its four communes of the Var (not loaded in the fixture) count outside too.
    var = [c for c, r in raw.appartenance().items() if r["BV2022"] == "13055" and c.startswith("83")]
    assert unloaded == f"{len(var)} hors des départements chargés" and len(var) == 4
    # Units to examine that are arrondissements are called so (a review read « 1 commune du territoire » for
    # Paris 12e); the count is theirs.
    n = len(p.to_examine)
    assert n >= 1 and set(p.to_examine["code"]) <= set(arrondissements_of("13055"))
    said = [t for t in pertinence_section(d)["paragraphs"] if "du territoire vo" in t]
    assert said and said[0].startswith(f"{n} arrondissement{'s' if n > 1 else ''} du territoire vo")


def test_unavailable_section_says_why() -> None:
    section = PertinenceSection(origin="", kind="modele", candidate_min_share=0.5, examine_below_share=0.5,
                                unavailable="pertinence du périmètre non calculée : aucune extraction")

    class Stub:
        pertinence = section
        comparison_link = None

    content = pertinence_section(Stub())  # type: ignore[arg-type]
    assert content["paragraphs"] == [INSTRUCTION_QUOTE, "Pertinence du périmètre non calculée : aucune extraction."]


def test_outputs_carry_the_pertinence(fixture_data_dir: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    data = private_outputs(fixture_data_dir, tmp_path / "data")
    monkeypatch.setenv("CPTS_DATA_DIR", str(data))
    monkeypatch.setenv("CPTS_MAPS_DIR", str(tmp_path / "maps"))
    monkeypatch.setenv("CPTS_QUIET", "1")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert cli.main(["diagnostic", VERDON]) == 0, err.getvalue()
    folder = data / "processed" / "diagnostics" / "cpts-cpts-du-verdon"
    whole = json.loads((folder / "summary.json").read_text("utf-8"))
    summary = whole["pertinence"]
    assert summary["auto_confinement"] == whole["flows"]["auto_confinement"]["Médecins généralistes"]
    # Inhabitants are whole numbers, as the diagnostic's own population (a review read 120006.0 here).
    assert summary["population"] == whole["population"] and isinstance(summary["population"], int)
    assert isinstance(summary["population_avec_candidats"], int)
    assert summary["population_avec_candidats"] == whole["population"] + sum(
        c["population"] for c in summary["candidats"])
    def rows(name: str) -> pd.DataFrame:
        # An empty table is written with a single line saying so (« aucune commune à examiner »), its other
        # cells empty: never a header-less file.
        frame = pd.read_csv(folder / name, dtype=str, encoding="utf-8-sig")
        return frame[frame.iloc[:, 1:].notna().any(axis=1)]

    assert [c["code"] for c in summary["candidats"]] == list(rows("pertinence_candidats.csv")["code"])
    assert [c["code"] for c in summary["a_examiner"]] == list(rows("pertinence_a_examiner.csv")["code"])
    assert len(summary["zones_coupees"]) == len(rows("pertinence_zones_coupees.csv"))
    report = (tmp_path / "maps" / "cpts-cpts-du-verdon" / "rapport.html").read_text("utf-8")
    assert "Pertinence du périmètre" in report and "territoire vécu" in report
    carte = (tmp_path / "maps" / "cpts-cpts-du-verdon" / "carte.html").read_text("utf-8")
    if summary["candidats"] or summary["a_examiner"]:
        assert "Pertinence : communes \\u00e0 ajouter ou \\u00e0 examiner" in carte  # the layer control, JSON-escaped
    # The zones cut come from the zonings: no flow column nor demonstration warning in their table (a review).
    cut = pd.read_csv(folder / "pertinence_zones_coupees.csv", dtype=str, encoding="utf-8-sig")
    assert "origine_des_flux" not in cut.columns and "avertissement" not in cut.columns
    assert "origine_des_flux" in pd.read_csv(folder / "pertinence_candidats.csv", dtype=str, encoding="utf-8-sig")
    # The Trame (Word) has the section too, with the report's figures (a review: it had none of it).

    text = "\n".join(p.text for p in read_docx(tmp_path / "maps" / "cpts-cpts-du-verdon" /
                                                      "rapport.docx").paragraphs)
    # The Trame rounds the share itself (85,9 % of 0.85947), summary.json to four decimals (0.8595): within both
    # roundings of each other, never « 86,0 % » recomputed from the rounded figure.
    found = re.search(r"Auto-confinement du périmètre\s: (\d+),(\d) %", text.replace("\u202f", " "))
    assert "Pertinence du périmètre" in text and found is not None
    assert abs(float(f"{found.group(1)}.{found.group(2)}") / 100 - summary["auto_confinement"]) <= 0.00051
    assert f"Communes candidates à l'ajout : {len(summary['candidats'])}" in text


def test_zone_crossing_the_load_is_counted_on_the_current_geography(db: duckdb.DuckDBPyConnection) -> None:
    # Paris's bassin de vie: its 20 arrondissements and 439 other communes of the 2024 INSEE table, none loaded in
    # the fixture; one of them (93059) has merged since into another commune of the table: 438 units outside
    # Paris on the 2026 geography (a review saw the 2024 count used on a database of some départements).
    members = [c for c, r in raw.appartenance().items() if r["BV2022"] == "75056" and c != "75056"]
    communes = raw.package("6.0.0", "communes")
    current = {c["code"] for c in communes if c["type"] == "commune-actuelle"}
    absorbed = {c["code"]: c["chefLieu"] for c in communes if c["type"] in ("commune-deleguee", "commune-associee")}
    now = {code if code in current else absorbed[code] for code in members}
    assert len(members) == 439 and len(now) == 438
    d = diagnostic(db, "communes:75118,75119,75120")
    cut = d.pertinence.cut_zones.set_index("zone")
    assert (cut.loc["75056", "n_units_in"], cut.loc["75056", "n_units_out"]) == (3, 17 + 438)
    assert pd.isna(cut.loc["75056", "population_out"])
    assert cut.loc["75056", "units_out"].endswith(" et 438 hors des départements chargés")


def test_without_a_registry_the_zones_cut_are_still_given(db: duckdb.DuckDBPyConnection) -> None:
    # No extraction of the Annuaire Santé: no flow can be modelled, but the zones cut depend on the zonings only.
    from pipeline.app.sections.perimeter_data import PerimeterData
    from pipeline.app.sections.pertinence import NO_REGISTRY, pertinence_section
    from pipeline.params import default_params
    from pipeline.store.queries import listings
    from pipeline.store.queries import perimeter as perimeter_queries

    d = diagnostic(db, VERDON)
    shared = PerimeterData(units=perimeter_queries.analysis_units(db), members=listings.members(db))
    section = pertinence_section(db, d.territory, None, DiagnosticOptions(territory=VERDON), d.perimeter, "04",
                                 default_params(), shared)
    assert section.unavailable == NO_REGISTRY
    assert section.cut_zones.equals(d.pertinence.cut_zones) and len(section.cut_zones) == 6


def test_a_flux_table_read_on_communes_counts_no_phantom_arrondissement(db: duckdb.DuckDBPyConnection,
                                                                         tmp_path: Path) -> None:
    # With FLUX= on communes, Marseille is one unit: its EPCI's units outside the load are its two communes of
    # the Var and Vaucluse (INSEE table), not its 15 other arrondissements (a review of the session found 17).
    table = tmp_path / "flux.csv"
    table.write_text("origine;destination;volume\n13001;13001;100\n13001;13055;50\n", encoding="utf-8")
    outside = [c for c, r in raw.appartenance().items()
               if r["EPCI"] == "200054807" and c[:2] not in FIXTURE_DEPARTEMENTS]
    cut = diagnostic(db, "communes:13001", table).pertinence.cut_zones.set_index("zone")
    assert cut.loc["200054807", "units_out"].endswith(f" et {len(outside)} hors des départements chargés")
    assert len(outside) == 2


def test_map_tooltips_say_the_claims_as_the_tables_do() -> None:
    from pipeline.app.sections.pertinence_shapes import _claims_words
    from pipeline.model.coverage import unknown_coverage_why

    assert _claims_words("CPTS A; CPTS B") == "revendiquée par CPTS A, CPTS B"
    assert _claims_words("") == "revendiquée par aucune CPTS"  # claimed by none: an answer
    assert _claims_words(None) == f"CPTS qui la revendiquent non disponibles ({unknown_coverage_why()})"
