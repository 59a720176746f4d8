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


#: Sections of the file, and the keys each holds (``rates`` holds one table per profession group).
SECTIONS: dict[str, tuple[str, ...]] = {
    "distance": ("detour_factor", "cutoff_km", "intra_factor", "default_intra_km"),
    "decay": ("function", "beta_per_km", "alpha", "min_km"),
    "rates": (),
    "access": ("steps_minutes", "speed_kmh"),
    "diagnostic": ("near_km",),
    "pertinence": ("candidate_share", "inside_share"),
}


class _Reader:
    """Reads the values of the parameters file, collecting every problem (osmnx's validators): a review got a
    traceback, « candidate_min_share doit être une part entre 0 et 1 », for « candidate_share = 1.5 »."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.errors: list[str] = []

    def number(self, section: str, key: str, low: float, high: float = math.inf, *, low_open: bool = False,
               default: float | None = None, table: Mapping[str, Any] | None = None, shown: str | None = None) -> float:
        """A number of ``[section] key`` within ``low``–``high`` (``low`` excluded when ``low_open``)."""
        where = shown or f"[{section}] {key}"
        values = table if table is not None else self.raw.get(section, {})
        if not isinstance(values, Mapping) or key not in values:
            if default is not None:
                return default
            self.errors.append(f"{where} : valeur absente")
            return math.nan
        value = values[key]
        # A boolean is an int to Python, a quoted number a text: both are typing mistakes, said as such.
        if isinstance(value, bool) or not isinstance(value, int | float):
            shown_value = (str(value).lower() if isinstance(value, bool) else
                           f"le texte « {value} » (sans guillemets pour un nombre)" if isinstance(value, str) else
                           repr(value))
            self.errors.append(f"{where} : nombre attendu, pas {shown_value}")
            return math.nan
        number = float(value)
        above = number > low if low_open else number >= low
        if not math.isfinite(number) or not above or number > high:
            bound = f"{'plus de' if low_open else 'au moins'} {low:g}" + (f" et au plus {high:g}" if high != math.inf
                                                                            else "")
            self.errors.append(f"{where} : {value!r} hors des valeurs admises ({bound})")
            return math.nan
        return number

    def unknown_names(self) -> None:
        for section, values in self.raw.items():
            if section not in SECTIONS:
                self.errors.append(f"section [{section}] inconnue (attendu : {', '.join(SECTIONS)}) : mal "
                                   "orthographiée, ses valeurs seraient ignorées")
            elif section != "rates" and isinstance(values, Mapping):
                for key in values:
                    if key not in SECTIONS[section]:
                        self.errors.append(f"[{section}] {key} : clé inconnue (attendu : "
                                           f"{', '.join(SECTIONS[section])})")


def _flows(read: _Reader) -> FlowParams:
    rates = read.raw.get("rates")
    if not isinstance(rates, Mapping) or not rates:
        read.errors.append("[rates] : aucun taux de recours (une table [rates.\"groupe\"] par profession)")
        rates = {}
    function = read.raw.get("decay", {}).get("function") if isinstance(read.raw.get("decay"), Mapping) else None
    if function not in ("exponential", "power"):
        read.errors.append(f"[decay] function : « exponential » ou « power » attendu, pas {function!r}")
    return FlowParams(
        rates={str(g): read.number("rates", "rate", 0, table=v if isinstance(v, Mapping) else {},
                                   shown=f"[rates.\"{g}\"] rate") for g, v in rates.items()},
        decay=str(function) if function in ("exponential", "power") else "exponential",
        beta_per_km=read.number("decay", "beta_per_km", 0),
        alpha=read.number("decay", "alpha", 0),
        min_km=read.number("decay", "min_km", 0, low_open=True),
        cutoff_km=read.number("distance", "cutoff_km", 0, low_open=True),
        detour_factor=read.number("distance", "detour_factor", 1),
        intra_factor=read.number("distance", "intra_factor", 0),
        default_intra_km=read.number("distance", "default_intra_km", 0, low_open=True),
        sources={str(g): str(v.get("source", "")) for g, v in rates.items() if isinstance(v, Mapping)},
    )


def _access(read: _Reader) -> AccessParams:
    section = read.raw.get("access", {})
    steps_raw = section.get("steps_minutes") if isinstance(section, Mapping) else None
    steps: dict[float, float] = {}
    if not isinstance(steps_raw, list) or not steps_raw:
        read.errors.append("[access] steps_minutes : liste de paliers [minutes, poids] attendue")
    else:
        for n, step in enumerate(steps_raw, start=1):
            pair = dict(zip(("minutes", "poids"), step, strict=False)) if isinstance(step, list) and len(step) == 2 \
                else {}
            if not pair:
                read.errors.append(f"[access] steps_minutes, palier {n} : [minutes, poids] attendu, pas {step!r}")
                continue
            minutes = read.number("access", "minutes", 0, low_open=True, table=pair,
                                  shown=f"[access] steps_minutes, palier {n}, minutes")
            weight = read.number("access", "poids", 0, 1, table=pair,
                                 shown=f"[access] steps_minutes, palier {n}, poids")
            steps[minutes] = weight
    return AccessParams(steps, read.number("access", "speed_kmh", 0, low_open=True))


def load_params(path: str | Path | None = None) -> Params:
    """Read every parameter (default: the packaged ``parametres.toml``).

    Raises
    ------
    DataError
        Unreadable TOML, or missing, mistyped, out-of-range or unknown keys: every problem at once, in French,
        naming the file.
    """
    p = Path(path) if path is not None else PARAMS_PATH
    read = _Reader(_read(p))
    read.unknown_names()
    flows, access = _flows(read), _access(read)
    near_km = read.number("diagnostic", "near_km", 0, default=10.0)
    # A share of 0 would make every commune within reach a candidate (a review: 331 « candidates » at 0 %).
    candidate = read.number("pertinence", "candidate_share", 0, 1, low_open=True, default=0.5)
    inside = read.number("pertinence", "inside_share", 0, 1, low_open=True, default=0.5)
    if read.errors:
        raise DataError("Fichier de paramètres invalide :\n  - " + "\n  - ".join(read.errors), p)
    return Params(flows=flows, access=access, diagnostic=DiagnosticParams(near_km=near_km),
                  pertinence=PertinenceParams(candidate_share=candidate, inside_share=inside))


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
