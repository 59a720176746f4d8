"""The flow map's table beside the map: main destinations of the residents, main origins of outside patients.

Each row is tied to what it names on the map (``map-flow-arrows.js.j2``): a destination row to its commune
(``data-key``) and the residents' flows to it (``data-sens="sortant"``); a flow row to that one flow
(``data-flow``), so that hovering an origin brings out its flow to the territory only, not the residents'
flows towards the same commune.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from pipeline.render.maps.geometry import require_columns
from pipeline.render.maps.text import auto_decimals, esc, is_missing, number
from pipeline.render.report import MISSING_WORDS, format_share


def share_words(percent: float) -> str:
    """« 7,6 % », « moins de 0,1 % » for 644 consultations out of millions (not « 0,0 % »), « non disponible »."""
    if is_missing(percent):
        return MISSING_WORDS
    return format_share(percent, below="moins de ")


def destinations_panel(
    f: gpd.GeoDataFrame, table: pd.DataFrame | None, rows: int, decimals: int, volume_label: str
) -> str:
    """HTML of the table beside the map (escaped): main destinations, then main outside origins."""
    sections = []
    if table is not None and len(table):
        require_columns(table, ["destination", "volume"], "Principales destinations")
        has_share = "part_des_residents" in table.columns
        shares = pd.to_numeric(table["part_des_residents"], errors="coerce") * 100 if has_share else None
        table_decimals = auto_decimals(pd.to_numeric(table["volume"], errors="coerce"))
        head = f'<tr><th>Commune</th><th class="n">{esc(volume_label)}</th>' + (
            '<th class="n">Part des recours des habitants</th>' if has_share else "") + "</tr>"
        body = []
        for i, (_, r) in enumerate(table.head(rows).iterrows()):
            name = r["nom"] if "nom" in r.index and not is_missing(r["nom"]) else r["destination"]
            share = "" if shares is None else f'<td class="n">{esc(share_words(shares.iloc[i]))}</td>'
            volume = pd.to_numeric(pd.Series([r["volume"]]), errors="coerce").iloc[0]
            body.append(f'<tr data-key="{esc(r["destination"])}" data-sens="sortant"><td>{esc(name)}</td>'
                        f'<td class="n">{esc(number(volume, table_decimals))}</td>{share}</tr>')
        sections.append(_section("Principales destinations des habitants",
                                 "Recours des habitants du territoire dans des communes extérieures.", head, body))
    else:
        sections.append(_flows_section(f[f["_sens"] == "sortant"], rows, decimals, volume_label,
                                       "Principales destinations des habitants",
                                       "Plus gros flux sortants représentés sur la carte.", "Destination"))
    entrants = f[f["_sens"] == "entrant"]
    if len(entrants):
        sections.append(_flows_section(entrants, rows, decimals, volume_label,
                                       "Principales origines des patients extérieurs",
                                       "Plus gros flux entrants représentés sur la carte.", "Origine"))
    return "".join(sections)


def _flows_section(f: gpd.GeoDataFrame, rows: int, decimals: int, volume_label: str, title: str, note: str,
                   outside_header: str) -> str:
    head = (f'<tr><th>{esc(outside_header)}</th><th>Commune du territoire</th>'
            f'<th class="n">{esc(volume_label)}</th></tr>')
    body = []
    for _, r in f.head(rows).iterrows():
        inside = r["_from"] if r["_sens"] != "entrant" else r["_to"]
        body.append(f'<tr data-key="{esc(r["_key"])}" data-sens="{esc(r["_sens"])}" data-flow="{esc(r["_id"])}">'
                    f'<td>{esc(r["_outside"])}</td><td>{esc(inside)}</td>'
                    f'<td class="n">{esc(number(r["_volume"], decimals))}</td></tr>')
    if not body:
        body.append('<tr><td colspan="3">Aucun flux de ce sens.</td></tr>')
    return _section(title, note, head, body)


def _section(title: str, note: str, head: str, body: list[str]) -> str:
    return (f"<section><h4>{esc(title)}</h4><p>{esc(note)}</p>"
            f"<table><thead>{head}</thead><tbody>{''.join(body)}</tbody></table></section>")
