"""Small read commands: ``territoire SPEC`` (units of a territory) and ``sources`` (what is loaded)."""

from __future__ import annotations

import shutil
import textwrap

from pipeline.store.connection import connect
from pipeline.store.queries import provenance
from pipeline.store.territory import resolve_territory


def print_territory(spec: str, name: str | None = None) -> None:
    """Print the units a specification resolves to, with their population."""
    con = connect()
    try:
        territory = resolve_territory(con, spec, name)
        # As the diagnostic says it: a listed CPTS partly outside the loaded départements (a review saw 3 units of
        # the 31-commune Gapençais listed without a word on a database of the 04 and 13).
        load_notes: list[str] = []
        whole_population = territory.whole_population
        if territory.cpts is not None:  # imported for a CPTS only: the command otherwise needs pandas alone
            from pipeline.app.sections.neighbours import listing_anomalies, outside_the_load_notes
            from pipeline.app.sections.taille import whole_population as of_the_whole

            anomalies = listing_anomalies(con, territory)
            load_notes = outside_the_load_notes(anomalies)
            if load_notes:
                whole_population = of_the_whole(con, territory, anomalies, territory.population)
        if whole_population is not None:  # part of it beyond the load, as its diagnostic says it
            whole = f"{whole_population:,}".replace(",", " ")
            load_notes.append(f"population du territoire entier : {whole} habitants, d'après le COG (sa taille est "
                              "établie sur elle)")
    finally:
        con.close()
    units = len(territory.units)
    population = f"{territory.population:,}".replace(",", " ")
    count = f"{units:,}".replace(",", " ")  # « 1 266 unités », as the population is written
    print(f"{territory.label} : {count} unité{'s' if units > 1 else ''}, {population} habitants")
    for note in [*territory.notes, *load_notes]:
        print(f"  note : {note}")
    for row in territory.units.itertuples():
        population = "population non disponible" if row.population is None or str(row.population) == "<NA>" \
            else f"{row.population}"
        print(f"  {row.unit_code} {row.nom} ({population})")


def print_sources() -> None:
    """Print every loaded source, one block per file, wrapped to the terminal's width."""
    con = connect()
    try:
        frame = provenance.sources(con)
    finally:
        con.close()
    width = max(60, min(shutil.get_terminal_size((100, 20)).columns, 120))
    for row in frame.itertuples():
        demo = " — données fictives de démonstration" if row.demo else ""
        print(f"{row.source} {row.vintage} : {row.row_count} lignes, chargé le {str(row.loaded_at)[:16]}{demo}")
        # The load's fingerprint: a file's sha256 only when loaded whole on its own (a review took the sha256 of a
        # scoped load, that of the file and the départements, for the file's).
        fingerprint = "empreinte du chargement (sha256)"
        for label, text in (("origine", row.origin), ("note", row.notes), (fingerprint, row.sha256)):
            if text is None or str(text) in ("", "nan", "None"):
                continue
            if label != "note":  # a path, a URL or a checksum: whole, so that it can be copied
                print(f"  {label} : {text}")
                continue
            print(textwrap.fill(f"{label} : {text}", width=width, initial_indent="  ", subsequent_indent="    ",
                                break_long_words=False, break_on_hyphens=False))
