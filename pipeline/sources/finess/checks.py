"""Checks of a FINESS record against what else is known of it: its category's label, its commune's place.

* **Labels.** A copy re-encoded with losses carries « \ufffd » where accents were. A category label gives way
  to the nomenclature's (``finess_categories.csv``); when the category is unknown to it, or for the
  aggregate label (which has no nomenclature here), the garbled label is left empty and reported: never
  shown with « \ufffd ».
* **Place.** Coordinates that fall far from the commune the record names (Lambert 93 of Marseille given to an
  establishment of Bourg-en-Bresse) would draw it, and measure distances, from the wrong place: the point is
  dropped as coordinates outside their projection's area are (the establishment stays counted in its commune).
  The test is the distance to the commune's bounding box (lon/lat, from its polygon), so that it needs no
  geometry library and is generous on irregular communes: only gross contradictions are caught.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.errors import PipelineError

#: Kilometres allowed between a point and its commune's bounding box. Address geocoding (BAN, BD ADRESSE)
#: places a building within metres of its commune's polygon; a few hundred metres of simplification of the
#: polygons and a commune's hamlets or annexes across a boundary are well under it, while a point placed in
#: another town, or given another establishment's coordinates, is usually tens of kilometres away.
TOLERANCE_KM = 5.0
#: Kilometres per degree of latitude (and of longitude at the equator; WGS84, rounded).
_KM_PER_DEGREE = 111.2

#: Columns of the commune bounding boxes :func:`far_from_commune` reads.
BOUNDS_COLUMNS = ("code", "xmin", "ymin", "xmax", "ymax")

GARBLED = "\ufffd"


def km_outside_bounds(lon: np.ndarray, lat: np.ndarray, bounds: pd.DataFrame) -> np.ndarray:
    """Kilometres from each point to its bounding box (0 inside; NaN when the point or the box is missing).

    ``bounds``: one row per point, columns ``xmin, ymin, xmax, ymax`` (degrees), aligned with the points.
    """
    xmin, ymin, xmax, ymax = (bounds[c].to_numpy(dtype=float) for c in ("xmin", "ymin", "xmax", "ymax"))
    with np.errstate(invalid="ignore"):
        dx = np.maximum(np.maximum(xmin - lon, lon - xmax), 0.0)
        dy = np.maximum(np.maximum(ymin - lat, lat - ymax), 0.0)
    return np.hypot(dx * _KM_PER_DEGREE * np.cos(np.radians(lat)), dy * _KM_PER_DEGREE)


def far_from_commune(commune: pd.Series, lon: np.ndarray, lat: np.ndarray,
                     commune_bounds: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """Which points lie more than :data:`TOLERANCE_KM` from their commune's bounding box, and how far.

    A record without a point, a commune, or a commune with a known box is never « far ».
    """
    if commune_bounds is None or commune_bounds.empty:
        return np.zeros(len(lon), dtype=bool), np.full(len(lon), np.nan)
    boxes = commune_bounds.drop_duplicates("code").set_index("code")
    aligned = pd.DataFrame({c: commune.map(boxes[c]).astype("float64") for c in ("xmin", "ymin", "xmax", "ymax")})
    km = km_outside_bounds(lon, lat, aligned)
    return np.nan_to_num(km, nan=0.0) > TOLERANCE_KM, km


def readable(labels: pd.Series) -> pd.Series:
    """Whether each label is given and holds no « \ufffd »."""
    return (labels.fillna("") != "") & ~labels.fillna("").str.contains(GARBLED, regex=False)


def category_labels(codes: pd.Series, labels: pd.Series, nomenclature: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The category label of each record and which were garbled with no nomenclature label to replace them.

    A readable label is kept as written; a garbled or empty one gives way to the nomenclature's
    (``nomenclature``: code -> label); a garbled one of a category the nomenclature lacks is left empty.
    """
    ok = readable(labels)
    named = codes.map(nomenclature)
    garbled = labels.fillna("").str.contains(GARBLED, regex=False)
    lost = garbled & named.isna()
    chosen = labels.where(ok, named).where(~lost, "")
    return chosen.fillna(""), lost


def readable_labels(labels: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Labels no nomenclature here restores (the aggregate's, the SPH status's): each record's, empty when garbled,
    and which were."""
    garbled = labels.fillna("").str.contains(GARBLED, regex=False)
    return labels.where(~garbled, ""), garbled


def anomaly(kind: str, code: str, label: str | None, lines: pd.Series, message: str) -> dict[str, object]:
    """One anomaly row of a FINESS staging (``lines``: the file lines concerned)."""
    return {"type": kind, "code": code, "libelle": label, "nb_lignes": len(lines),
            "premiere_ligne": int(lines.min()) if len(lines) else None, "message": message}


def far_anomalies(out: pd.DataFrame, far: np.ndarray, km: np.ndarray) -> list[dict[str, object]]:
    """``coordonnees_hors_commune``: one row per commune whose establishments were placed far from it."""
    rows = []
    for code, group in out[far].assign(km=km[far]).groupby("commune"):
        furthest = f"{round(float(group['km'].max())):,}".replace(",", "\u202f")
        rows.append(anomaly(
            "coordonnees_hors_commune", str(code), None, group["ligne"],
            f"Coordonnées à plus de {TOLERANCE_KM:.0f} km de la commune de l'établissement (jusqu'à {furthest} km : "
            "coordonnées d'une autre adresse, ou code commune erroné ?) : établissement compté dans sa commune, "
            "absent des cartes et des distances"))
    return rows


#: What each label anomaly is about.
_LABELS = {"categorie_libelle_illisible": "catégorie absente de la nomenclature FINESS",
           "agregat_libelle_illisible": "agrégat de catégories",
           "sph_libelle_illisible": "statut de service public hospitalier"}


def label_anomalies(lines: pd.Series, lost: dict[str, tuple[pd.Series, pd.Series]]) -> list[dict[str, object]]:
    """One row per category (or aggregate) code whose garbled label was left empty.

    ``lost``: anomaly type -> (codes, which labels were left empty), aligned with ``lines``.
    """
    rows = []
    for kind, (codes, mask) in lost.items():
        mask = mask.to_numpy(dtype=bool)
        for code, group in lines[mask].groupby(codes[mask].to_numpy()):
            rows.append(anomaly(kind, str(code), None, group,
                                f"Libellé illisible (accents perdus par un ré-encodage du fichier), {_LABELS[kind]} : "
                                "libellé laissé vide plutôt qu'affiché avec des caractères illisibles"))
    return rows


def check_tables(units: pd.DataFrame, cog_mapping: pd.DataFrame, commune_bounds: pd.DataFrame | None) -> None:
    """Refuse, in French, a table of the database given to the staging without the columns it reads."""
    tables = [(units, ("code", "type", "parent"), "des unités (COG)"),
              (cog_mapping, ("code", "current_code"), "de passage du COG")]
    if commune_bounds is not None:
        tables.append((commune_bounds, BOUNDS_COLUMNS, "des emprises des communes"))
    for frame, columns, what in tables:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise PipelineError(f"Table {what} incomplète pour FINESS : colonnes absentes " + ", ".join(missing))


def unknown_category_anomalies(frame: pd.DataFrame, known: pd.Index) -> list[dict[str, object]]:
    """``categorie_inconnue``: one row per category code absent from the nomenclature (counted in « Autre »);
    ``categorie_non_renseignee``: the establishments without a category code (counted there too)."""
    codes = frame["categetab"].fillna("")
    rows = []
    if (codes == "").any():
        rows.append(anomaly("categorie_non_renseignee", "", None, frame.loc[codes == "", "ligne"],
                            "Catégorie d'établissement non renseignée : ses établissements sont comptés dans "
                            "« Autre »"))
    unknown = ~codes.isin(known) & (codes != "")
    for code, group in frame[unknown].groupby("categetab", sort=True):
        label = next((str(v) for v in group["libcategetab"] if isinstance(v, str) and v.strip()), None)
        rows.append(anomaly("categorie_inconnue", str(code), label, group["ligne"],
                            "Catégorie d'établissement absente de la nomenclature FINESS (TRE_R66) que l'outil "
                            "connaît : ses établissements sont comptés dans « Autre »"))
    return rows
