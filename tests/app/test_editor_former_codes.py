"""Former commune codes the editor page reads (:func:`pipeline.app.editor.former_codes`)."""

from __future__ import annotations

import pandas as pd

from pipeline.app.editor import former_codes

LYON = [f"6938{n}" for n in range(1, 10)]


def test_a_former_commune_of_a_city_modelled_by_arrondissement_is_not_the_whole_city() -> None:
    """A review: 69232 (Saint-Rambert-l'Île-Barbe, merged into Lyon in 1963, now in its 9e arrondissement) made a
    perimeter of all of Lyon, 525 454 inhabitants, taille 4, where the diagnostic refuses the code and asks for
    the arrondissement; a former commune of an ordinary commune is still read as it."""
    mapping = pd.DataFrame(
        [("69232", "69123", "ancien", "Saint-Rambert-l'Île-Barbe"), ("69381", "69123", "arrondissement", "Lyon 1er"),
         ("04003", "04081", "ancien", "Albiosc"), ("04081", "04081", "actuelle", "Quinson"),
         ("83999", "83001", "ancien", "Ailleurs"),  # its commune outside the zone: not the page's
         ("75001", "94002", "ancien", "Alfortville")],  # Paris 1er's postal code: not read as Alfortville
        columns=["code", "current_code", "kind", "nom"])
    codes, names = former_codes(mapping, [*LYON, "04081", "94002"])
    assert codes == {"04003": "04081"} and names == {"04003": "Albiosc"}
