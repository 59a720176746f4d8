"""The resolved territory of a diagnostic."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a Territory carries a frame, but the command line's help need not import pandas
    import pandas as pd

from pipeline.geography import slugify

#: Columns of :attr:`Territory.units`.
UNIT_COLUMNS = ["unit_code", "commune_code", "nom", "type", "population", "departement", "region"]


@dataclass
class Territory:
    """A resolved territory: its units (communes, or arrondissements of Paris, Lyon, Marseille).

    ``cpts`` and ``listing`` name the CPTS and its listing when the territory
    is ``cpts:…``; ``name`` is the name the user gave (``NOM=``), if any;
    ``redraws`` names the listed CPTS (name, listing) a file redraws (the
    perimeter editor's export of a CPTS being edited).
    """

    spec: str
    kind: str
    label: str
    units: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    cpts: str | None = None
    listing: str | None = None
    name: str | None = None
    #: True when the CPTS name exists in several loaded listings (its folder then names the listing).
    shared_name: bool = False
    #: True when another loaded CPTS's folder would have the same name (« CPTS Sud-Luberon », « CPTS Sud Luberon »
    #: of one listing): the folder then adds a fingerprint of the exact name.
    slug_clash: bool = False
    redraws: tuple[str, str] | None = None
    #: True when part of the zone (an EPCI, a bassin de vie, a région, a drawn file) lies in départements the
    #: database was not loaded for: its figures cover the loaded part only (a CPTS's listing says so in its
    #: anomalies).
    beyond_the_load: bool = False
    #: The population of the whole zone (an EPCI, a bassin de vie, a région) when part of it lies beyond the load,
    #: from the national COG (its taille is that of the whole zone); None when unknown or not needed.
    whole_population: int | None = None
    #: The zone's identifier as resolved (``epci:200067106`` for « epci:200 067 106 », ``departement:04`` for
    #: « departement:Alpes-de-Haute-Provence »): one zone, one output folder, however it was typed.
    canonical: str | None = None

    @property
    def own_listing_entry(self) -> tuple[str, str] | None:
        """The listed CPTS (name, listing) this territory stands for, never counted as its own neighbour.

        The CPTS itself for ``cpts:…``; for a file, the CPTS it redraws (see ``redraws``).
        """
        if self.cpts is not None and self.listing is not None:
            return self.cpts, self.listing
        return self.redraws

    @property
    def commune_codes(self) -> list[str]:
        return sorted(self.units["commune_code"].unique())

    @property
    def unit_codes(self) -> list[str]:
        return sorted(self.units["unit_code"].unique())

    @property
    def population(self) -> int:
        return int(self.units["population"].fillna(0).sum())

    @property
    def digest(self) -> str:
        """Short fingerprint of the unit set (distinguishes territories whose names slugify alike)."""
        return self.fingerprint()

    def fingerprint(self, text: str = "") -> str:
        """Short fingerprint of the unit set and of ``text``, the exact name a slug abbreviates.

        Two names that slugify alike (``terr_a.csv`` and ``terr-a.csv``, « Sud-Est »
        and « Sud Est ») then get distinct folders even for the same units; the
        same name and units always get the same one.
        """
        payload = ",".join(self.unit_codes) + ("\n" + text if text else "")
        return hashlib.sha1(payload.encode()).hexdigest()[:8]

    @property
    def slug(self) -> str:
        """Name of the territory's output folders: readable, and distinct for distinct territories.

        A name given (``NOM=``) comes first, with a fingerprint; territories named by an identifier keep it
        (``departement-04``, ``cpts-cpts-du-verdon``); lists of communes and files, whose text may be long or
        differ only by punctuation, add a fingerprint of their units.
        """
        if self.name:  # a name given (NOM=) names the folder, whatever the territory: a CPTS's report is not
            # overwritten by one titled otherwise (a review saw « cpts:CPTS du Verdon » NOM=… replace it)
            return f"{slugify(self.name, max_length=60, default='territoire')}-{self.fingerprint(self.name)}"
        if self.kind == "cpts" and self.cpts:
            words = f"cpts {self.listing} {self.cpts}" if self.shared_name else f"cpts {self.cpts}"
            slug = slugify(words, max_length=80, default="territoire")
            return f"{slug}-{self.fingerprint(self.cpts)}" if self.slug_clash else slug
        if self.kind in ("departement", "region", "epci", "bv"):
            return slugify(self.canonical or self.spec, max_length=80, default="territoire")
        codes = self.unit_codes
        if self.kind == "communes":
            if len(codes) <= 6:  # in the order given, as earlier versions named them
                return "communes-" + "-".join(str(c).lower() for c in self.units["unit_code"])
            return f"communes-{'-'.join(c.lower() for c in codes[:3])}-et-{len(codes) - 3}-autres-{self.digest}"
        stem = Path(self.spec.partition(":")[2]).stem
        return f"fichier-{slugify(stem, max_length=40, default='perimetre')}-{self.fingerprint(stem)}"
