"""Small hand-written COG units and history for the registry staging tests (not mirror data)."""

from __future__ import annotations

import pandas as pd

CITIES = {
    # city: (name, first arrondissement code, count, first postal code)
    "75056": ("Paris", 75101, 20, 75001),
    "69123": ("Lyon", 69381, 9, 69001),
    "13055": ("Marseille", 13201, 16, 13001),
}


def units() -> pd.DataFrame:
    """Three communes of the Ain (two share the postal code 01640), the communes of the FINESS fixture
    (01451 Viriat, 2A004 Ajaccio, 97411 Saint-Denis de La Réunion) and the three divided cities."""
    rows = [
        ("01001", "Alpha", "commune-actuelle", None, "01", "01400"),
        ("01002", "Beta-sur-Ain", "commune-actuelle", None, "01", "01640,01650"),
        ("01003", "Saint-Gamma", "commune-actuelle", None, "01", "01640"),
        ("01451", "Viriat", "commune-actuelle", None, "01", "01440"),
        ("2A004", "Ajaccio", "commune-actuelle", None, "2A", "20000,20090"),
        ("97411", "Saint-Denis", "commune-actuelle", None, "974", "97400,97490"),
    ]
    for city, (name, first, count, first_cp) in CITIES.items():
        postcodes = [str(first_cp + i) for i in range(count)]
        if city == "75056":
            postcodes.insert(16, "75116")
        rows.append((city, name, "commune-actuelle", None, city[:2], ",".join(postcodes)))
        for i in range(count):
            cps = str(first_cp + i) + (",75116" if first + i == 75116 else "")
            rows.append((str(first + i), f"{name} {i + 1}e", "arrondissement-municipal", city, city[:2], cps))
    return pd.DataFrame(rows, columns=["code", "nom", "type", "parent", "departement", "codes_postaux"])


def cog_mapping() -> pd.DataFrame:
    """Current codes to themselves, arrondissements to their city, 01099 (old « Delta ») to 01002."""
    table = units()
    current = table["code"].where(table["type"] == "commune-actuelle", table["parent"])
    mapping = pd.DataFrame({"code": table["code"], "current_code": current, "nom": table["nom"]})
    old = pd.DataFrame({"code": ["01099"], "current_code": ["01002"], "nom": ["Delta"]})
    return pd.concat([mapping, old], ignore_index=True)
