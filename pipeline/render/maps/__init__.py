"""Interactive maps (folium/Leaflet) of a CPTS territory, of CPTS coverage and of patient flows.

Every builder takes GeoDataFrames in EPSG:4326 and returns a :class:`folium.Map`;
:func:`save_map` writes it as one self-contained HTML file (scripts and styles
inlined by :mod:`pipeline.render.offline`), which opens with no network.

Modules
-------
* :mod:`~pipeline.render.maps.territory`, :mod:`~pipeline.render.maps.coverage`,
  :mod:`~pipeline.render.maps.flows`: one module per map (the flow map's table in
  :mod:`~pipeline.render.maps.flow_panel`).
* Toolkit: :mod:`~pipeline.render.maps.base` (page, title, banner, source,
  saving), :mod:`~pipeline.render.maps.controls` (French controls, legend,
  panels), :mod:`~pipeline.render.maps.geometry` (projection,
  simplification, GeoJSON), :mod:`~pipeline.render.maps.text` (escaping,
  tooltips), :mod:`~pipeline.render.maps.classes` (choropleth classes),
  :mod:`~pipeline.render.maps.colouring` (neighbouring perimeters in
  different colours), :mod:`~pipeline.render.maps.clusters` (clustered
  establishments), :mod:`~pipeline.render.maps.arrows` (curved flows).
* CSS and JavaScript live in ``pipeline/render/templates/map-*``.

Colours come from :mod:`pipeline.render.palette`, shared with the static maps
and the charts: a category has the same colour everywhere.
"""

from pipeline.render.maps.base import DEFAULT_SOURCE, MAX_HTML_BYTES, save_map
from pipeline.render.maps.classes import classify
from pipeline.render.maps.coverage import coverage_map
from pipeline.render.maps.flows import flow_map
from pipeline.render.maps.geometry import PROJECTED_CRS, prepare_geometries
from pipeline.render.maps.territory import territory_map

__all__ = [
    "DEFAULT_SOURCE",
    "MAX_HTML_BYTES",
    "PROJECTED_CRS",
    "classify",
    "coverage_map",
    "flow_map",
    "prepare_geometries",
    "save_map",
    "territory_map",
]
