"""Collectivités d'outre-mer in a territory: their own label and their health authority.

The COG gives each collectivité (Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin, and those outside
the French health system) one code that serves as département and as région.
"""

from __future__ import annotations

import pytest

from pipeline.geography import OVERSEAS_COLLECTIVITIES, zone_label
from tests.app import profile_raw as raw

pytestmark = [pytest.mark.mirror]


def test_every_collectivite_of_the_cog_has_its_health_authority() -> None:
    communes = raw.package("6.0.0", "communes")
    collectivites = {c["departement"] for c in communes if c.get("zone") == "com"}
    assert collectivites == set(OVERSEAS_COLLECTIVITIES)
    assert all(c["region"] == c["departement"] for c in communes if c.get("zone") == "com")
    # Saint-Barthélemy and Saint-Martin depend on the ARS de Guadeloupe (Code de la santé publique, L. 1431-1-1
    # does not create an ARS of their own); no collectivité is given an « ARS <name> » that does not exist.
    assert OVERSEAS_COLLECTIVITIES["977"].startswith("ARS Guadeloupe")
    assert OVERSEAS_COLLECTIVITIES["978"].startswith("ARS Guadeloupe")
    assert all("ARS Saint" not in authority for authority in OVERSEAS_COLLECTIVITIES.values())


@pytest.mark.parametrize(("level", "code", "name", "label"), [
    ("departement", "04", "Alpes-de-Haute-Provence", "Département : Alpes-de-Haute-Provence"),
    ("region", "93", "Provence-Alpes-Côte d'Azur", "Région : Provence-Alpes-Côte d'Azur"),
    ("departement", "978", "Saint-Martin", "Collectivité d'outre-mer : Saint-Martin"),
    ("region", "978", "Saint-Martin", "Collectivité d'outre-mer : Saint-Martin"),
    ("departement", "976", "Mayotte", "Département : Mayotte"),
])
def test_zone_labels(level: str, code: str, name: str, label: str) -> None:
    assert zone_label(level, code, name) == label

