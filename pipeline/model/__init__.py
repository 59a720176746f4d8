"""Typed records passed between the layers: options, territory, diagnostic and coverage results.

The command-line interface turns its arguments into option records; the use
cases in :mod:`pipeline.app` take them and return result records that the
renderers present. A notebook or a script builds the same records.
"""

from pipeline.model.options import (
    MAX_WHAT_IF_DELTA,
    CoverageOptions,
    DataOptions,
    DiagnosticOptions,
    WhatIfChange,
    WhatIfSyntaxError,
    parse_departements,
    parse_signature,
    parse_what_if,
)
from pipeline.model.territory import UNIT_COLUMNS, Territory

__all__ = [
    "MAX_WHAT_IF_DELTA",
    "UNIT_COLUMNS",
    "CoverageOptions",
    "DataOptions",
    "DiagnosticOptions",
    "Territory",
    "WhatIfChange",
    "WhatIfSyntaxError",
    "parse_departements",
    "parse_signature",
    "parse_what_if",
]
