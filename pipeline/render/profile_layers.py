"""Layers of the territory map added by the profile sections (need, income, territory type, dynamics)."""

from __future__ import annotations

from pipeline.model.diagnostic import Diagnostic

#: Column of ``communes_geo`` → French label of its map layer (in display order).
LAYER_LABELS: dict[str, str] = {
    "apl_moins_65_2023": "APL médecins généralistes de moins de 65 ans 2023 (DREES)",
    "indice_besoin_age": "Indice de besoin lié à l'âge (DREES)",
    "revenu_median": "Revenu disponible médian par UC 2019 (€, Filosofi)",
    "revenu_d1": "1er décile du revenu disponible par UC 2019 (€, Filosofi)",
    "revenu_d9": "9e décile du revenu disponible par UC 2019 (€, Filosofi)",
    "part_minima_sociaux": "Part des minima sociaux dans le revenu disponible 2019 (%)",
    "unite_urbaine": "Unité urbaine 2020 (INSEE)",
    "aire_attraction": "Aire d'attraction des villes 2020 (INSEE)",
    "solde_professionnels": "Solde des professionnels de santé",
    "solde_mg": "Solde des médecins généralistes",
}


#: Decimals of the map layers whose values sit near a threshold, as the report's tables show them (an APL below
#: 2,5, an age-related need index below 1): the magnitude rule gave one decimal, « 2,5 » for an APL of 2,455.
LAYER_DECIMALS: dict[str, int] = {"apl_2023": 2, "apl_moins_65_2023": 2, "indice_besoin_age": 3}

#: A value that starts a class of a layer's legend: the DREES's « sous-dense » threshold of the APL (below 2,5
#: consultations per inhabitant, ``pipeline.analysis.indicators.APL_UNDER_SERVED``), which natural breaks missed
#: (classes « 2,04 – 2,71 » told nothing of which communes are under it).
LAYER_BREAKS: dict[str, float] = {"apl_2023": 2.5, "apl_moins_65_2023": 2.5}


def profile_indicators(d: Diagnostic) -> dict[str, str]:
    """Layers of :data:`LAYER_LABELS` present in ``d.communes_geo`` with at least one value."""
    geo = d.communes_geo
    labels = {}
    for column, label in LAYER_LABELS.items():
        if column not in geo or not geo[column].notna().any():
            continue
        if column.startswith("solde_") and d.dynamics is not None and d.dynamics.periods:
            period = d.dynamics.periods[-1]
            label = f"{label} (arrivées − départs) {period.start:%d/%m/%Y} → {period.end:%d/%m/%Y}"
            if d.demo_data:
                label += " (données fictives)"
        labels[column] = label
    return labels
