"""Regional coverage of CPTS perimeters: claims, overlaps, white zones, atone territories.

The DGOS/CNAM instruction (seed ``003``) asks ARS and Assurance maladie to
prevent both *zones blanches* (communes in no CPTS project) and overlaps
between competing projects (one approved CPTS per territory), and to identify
*territoires atones* (uncovered areas with no project) for proactive work.

Everything here is a pure function of DataFrames / GeoDataFrames, split by
concern:

* :mod:`~pipeline.analysis.coverage.claims`: units of the zone, claims per
  unit, white zones;
* :mod:`~pipeline.analysis.coverage.overlaps`: pairs of CPTS sharing units,
  shared areas from unit sets (sparse product) or from polygons;
* :mod:`~pipeline.analysis.coverage.atone`: contiguity, atone components and
  territories;
* :mod:`~pipeline.analysis.coverage.regionalisation`: candidate perimeters
  (two-level max-p) inside large atone territories;
* :mod:`~pipeline.analysis.coverage.listing`: defects of the CPTS listings;
* :mod:`~pipeline.analysis.coverage.projection`: the metric CRS used for
  areas and adjacency.

This package re-exports the public functions so that
``from pipeline.analysis.coverage import claims_per_unit`` keeps working.
"""

from __future__ import annotations

from pipeline.analysis.coverage.atone import SLIVER_TOLERANCE_M, atone_components, atone_territories, contiguity
from pipeline.analysis.coverage.claims import analysis_units, claims_per_unit, white_zones
from pipeline.analysis.coverage.listing import listing_quality
from pipeline.analysis.coverage.overlaps import (
    commune_areas,
    commune_set_overlaps,
    overlap_pairs,
    overlay_reference,
    polygon_overlaps,
)
from pipeline.analysis.coverage.projection import LAMBERT93
from pipeline.analysis.coverage.regionalisation import PROPOSAL_LABEL, candidate_perimeters

__all__ = [
    "LAMBERT93",
    "PROPOSAL_LABEL",
    "SLIVER_TOLERANCE_M",
    "analysis_units",
    "atone_components",
    "atone_territories",
    "candidate_perimeters",
    "claims_per_unit",
    "commune_areas",
    "commune_set_overlaps",
    "contiguity",
    "listing_quality",
    "overlap_pairs",
    "overlay_reference",
    "polygon_overlaps",
    "white_zones",
]
