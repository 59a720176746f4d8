"""The pipeline's parameters, from one file: ``pipeline/data/parametres.toml``.

Every tunable figure of the models (flows, approximate APL, diagnostic,
pertinence) is read here, once, into frozen records; the analysis functions
take them as arguments.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.config import PACKAGE_DATA
from pipeline.errors import DataError

PARAMS_PATH = PACKAGE_DATA / "parametres.toml"


@dataclass(frozen=True)
class FlowParams:
    """Parameters of the Huff model.

    Attributes
    ----------
    rates
        Consultations per inhabitant and per year, by profession group.
    decay
        ``"exponential"`` or ``"power"``.
    beta_per_km
        Exponential decay rate (1/km).
    alpha
        Power decay exponent.
    min_km
        Floor distance of the power decay (avoids the singularity at 0).
    cutoff_km, detour_factor, intra_factor, default_intra_km
        Distance-table settings (see :mod:`pipeline.analysis.distances`).
    sources
        Bibliographic source of each rate, by group.
    """

    rates: Mapping[str, float]
    decay: str = "exponential"
    beta_per_km: float = 0.3
    alpha: float = 2.0
    min_km: float = 1.0
    cutoff_km: float = 60.0
    detour_factor: float = 1.3
    intra_factor: float = 0.5
    default_intra_km: float = 1.0
    sources: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.decay not in ("exponential", "power"):
            raise ValueError(f"decay must be 'exponential' or 'power', got {self.decay!r}")
        if self.beta_per_km < 0 or self.alpha < 0 or self.min_km <= 0:
            raise ValueError("beta_per_km and alpha must be >= 0 and min_km > 0")
        for g, r in self.rates.items():
            if not (r >= 0 and math.isfinite(r)):
                raise ValueError(f"rate of {g!r} must be a finite non-negative number")


@dataclass(frozen=True)
class AccessParams:
    """DREES distance-decay steps (minutes → weight) and the car speed turning km into minutes."""

    steps_minutes: Mapping[float, float]
    speed_kmh: float


@dataclass(frozen=True)
class DiagnosticParams:
    """Settings of the diagnostic: distance (km) within which establishments are « near »."""

    near_km: float = 10.0


@dataclass(frozen=True)
class PertinenceParams:
    """Thresholds of the perimeter pertinence check (shares of residents' GP consultations)."""

    candidate_share: float = 0.5
    inside_share: float = 0.5


@dataclass(frozen=True)
class Params:
    """Every parameter of the pipeline."""

    flows: FlowParams
    access: AccessParams
    diagnostic: DiagnosticParams
    pertinence: PertinenceParams


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise DataError(f"Fichier de paramètres illisible : {exc}", path) from exc
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"Fichier de paramètres TOML invalide : {exc}", path) from exc


def _flows(raw: dict[str, Any]) -> FlowParams:
    dist, dec = raw["distance"], raw["decay"]
    return FlowParams(
        rates={str(g): float(v["rate"]) for g, v in raw["rates"].items()},
        decay=str(dec["function"]),
        beta_per_km=float(dec["beta_per_km"]),
        alpha=float(dec["alpha"]),
        min_km=float(dec["min_km"]),
        cutoff_km=float(dist["cutoff_km"]),
        detour_factor=float(dist["detour_factor"]),
        intra_factor=float(dist["intra_factor"]),
        default_intra_km=float(dist["default_intra_km"]),
        sources={str(g): str(v.get("source", "")) for g, v in raw["rates"].items()},
    )


def _access(raw: dict[str, Any]) -> AccessParams:
    section = raw["access"]
    steps = {float(t): float(w) for t, w in section["steps_minutes"]}
    speed = float(section["speed_kmh"])
    if not steps or speed <= 0 or any(w < 0 or t <= 0 for t, w in steps.items()):
        raise ValueError("[access] : paliers (minutes > 0, poids ≥ 0) et vitesse > 0 attendus")
    return AccessParams(steps, speed)


def load_params(path: str | Path | None = None) -> Params:
    """Read every parameter (default: the packaged ``parametres.toml``).

    Raises
    ------
    DataError
        Unreadable TOML, or a missing or invalid key (French message naming the file).
    """
    p = Path(path) if path is not None else PARAMS_PATH
    raw = _read(p)
    try:
        diagnostic = raw.get("diagnostic", {})
        pertinence = raw.get("pertinence", {})
        return Params(
            flows=_flows(raw),
            access=_access(raw),
            diagnostic=DiagnosticParams(near_km=float(diagnostic.get("near_km", 10.0))),
            pertinence=PertinenceParams(
                candidate_share=float(pertinence.get("candidate_share", 0.5)),
                inside_share=float(pertinence.get("inside_share", 0.5)),
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"Paramètre manquant ou invalide dans le fichier de paramètres : {exc}", p) from exc


@cache
def default_params() -> Params:
    """The packaged parameters, read once per process."""
    return load_params()


def load_flow_params(path: str | Path | None = None) -> FlowParams:
    """The flow-model parameters (of ``path``, or of the packaged file)."""
    return load_params(path).flows if path is not None else default_params().flows


def load_access_params(path: str | Path | None = None) -> tuple[dict[float, float], float]:
    """Steps (minutes → weight) and speed (km/h) of the ``[access]`` table."""
    access = load_params(path).access if path is not None else default_params().access
    return dict(access.steps_minutes), access.speed_kmh
