"""Static maps for the printed report and the Word document (matplotlib/geopandas, offline).

Three maps, each returned as PNG (200 dpi by default) or SVG bytes, and drawn
from GeoDataFrames in EPSG:4326:

* :func:`indicator_map`: the perimeter's units coloured by an indicator
  (classified legend), neighbouring CPTS outlined;
* :func:`establishments_map`: establishments by group (palette colours,
  legend with counts);
* :func:`flows_map`: main flows as curved arrows whose width follows the
  volume, main outside communes named.

Each has a title, a legend column, a scale bar and a north arrow (drawn in
Lambert 93 or the DROM's CRS), a « Sources : … » line and, for made-up data,
a « Données fictives de démonstration » label. The ``*_figure`` functions
return the matplotlib figure instead, for inspection or further drawing.
"""

from pipeline.render.static_maps.establishments import establishments_figure, establishments_map
from pipeline.render.static_maps.flows import flows_figure, flows_map
from pipeline.render.static_maps.frame import DPI, render
from pipeline.render.static_maps.indicator import indicator_figure, indicator_map

__all__ = [
    "DPI",
    "establishments_figure",
    "establishments_map",
    "flows_figure",
    "flows_map",
    "indicator_figure",
    "indicator_map",
    "render",
]
