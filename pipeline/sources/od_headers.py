"""The header of an origin–destination table (``FLUX=``): which of its columns is the origin, the destination,
the volume and the profession, read by their words as users and the SNDS write them."""

from __future__ import annotations

from pipeline.sources.listing_headers import header_key

ALIASES: dict[str, str] = {
    "origine": "origine", "origin": "origine", "commune_origine": "origine", "code_origine": "origine",
    "destination": "destination", "commune_destination": "destination", "code_destination": "destination",
    "volume": "volume", "nombre": "volume", "effectif": "volume", "recours": "volume",
    "profession": "profession", "groupe": "profession", "groupe_professionnel": "profession",
    # The SNDS's « nature d'activité » is the practitioner's (médecine générale, infirmier…) (a review: ignored,
    # every row read as a GP's); the commune of the activity is the destination.
    "nature_d_activite": "profession", "nature_activite": "profession", "commune_d_activite": "destination",
    "code_commune_d_activite": "destination", "lieu_d_activite": "destination",
}
#: What each canonical column holds, for the message refusing two columns of the same meaning.
MEANINGS = {"origine": "la commune d'origine", "destination": "la commune de destination", "volume": "le volume",
            "profession": "la profession"}


#: Words of a header naming a column of the format (« Commune d'origine », « Nombre de recours »).
#: The SNDS's and the Assurance maladie's words too (a review: « Commune de résidence ; Commune d'exercice ; Nombre
#: d'actes » was refused).
HEADER_WORDS: dict[str, frozenset[str]] = {
    "origine": frozenset({"origine", "origin", "residence"}), "destination": frozenset({"destination", "exercice"}),
    "volume": frozenset({"recours", "volume", "volumes", "consultations", "consultation", "actes", "acte", "nombre",
                         "nb", "nbre"}),
    "profession": frozenset({"profession", "specialite", "categorie"}),
}
#: Words of a label: a profession's label is the profession column, a commune's name is not its code.
LABEL_WORDS = frozenset({"libelle", "lib", "intitule"})
#: Words of a party, read where no word above names a column: « Commune du PS » is the destination, « Profession du
#: praticien » the profession.
PARTY_WORDS: dict[str, frozenset[str]] = {
    "origine": frozenset({"patient", "beneficiaire"}),
    "destination": frozenset({"praticien", "executant", "ps", "professionnel"}),
}
#: Words of a header naming a place: « Commune de recours » is no volume.
PLACE_WORDS = frozenset({"commune", "code", "insee", "lieu"})
#: Words of a header describing a column of the format rather than being it: « nom_origine » (the origin's name
#: beside its code), « departement_origine », « Type de recours », « volume_annee_precedente » (a review: the
#: common code + libellé layout was refused as two origin columns).
NOT_THE_COLUMN = frozenset({"nom", "libelle", "lib", "intitule", "departement", "dep", "region", "type", "annee",
                            "precedente", "precedent", "part", "taux", "pct", "pourcentage", "mode", "evolution"})


def canonical_column(name: str) -> str:
    """The format's column a header name stands for, exactly or by its words (« Commune d'origine », « Code
    commune destination », « Nombre de recours »), itself when it is none of them or several (« Origine
    destination »). Two headers read as one column are refused (:func:`same_meaning`)."""
    folded = header_key(name)
    if folded in ALIASES:
        return ALIASES[folded]
    words = set(folded.split("_"))
    if words & NOT_THE_COLUMN and not (words & HEADER_WORDS["profession"] and words & LABEL_WORDS):
        return name  # « Libellé profession » is the profession: its label is what the rows name (a review)
    found = [column for column, names in HEADER_WORDS.items() if words & names]
    if "volume" in found and words & PLACE_WORDS:
        found.remove("volume")
    if not found:
        found = [column for column, names in PARTY_WORDS.items() if words & names]
    return found[0] if len(found) == 1 else name


def _listed(names: list[str]) -> str:
    """« a », « b » et « c »."""
    quoted = [f"« {n} »" for n in names]
    return ", ".join(quoted[:-1]) + " et " + quoted[-1] if len(quoted) > 1 else quoted[0]


def header_columns(header: list[str]) -> dict[str, str]:
    """Each header name's column of the format (:func:`canonical_column`); beside a profession's label (« Code
    profession ; Libellé profession », « Code profession ; Profession »), its code is no column: codes name no
    profession the flows read."""
    columns = {name: canonical_column(name) for name in header}
    named = [n for n, c in columns.items() if c == "profession"]
    labels = [n for n in named if set(header_key(n).split("_")) & LABEL_WORDS]
    if len(labels) != 1:  # « Code profession ; Profession »: the one that is no code (a review: refused)
        labels = [n for n in named if "code" not in header_key(n).split("_")]
    if len(named) > 1 and len(labels) == 1:
        columns.update({n: n for n in named if n not in labels})
    return columns


def same_meaning(header: list[str]) -> str | None:
    """French problem when several header columns stand for one column of the format, else None."""
    by_column: dict[str, list[str]] = {}
    for name, column in header_columns(header).items():
        by_column.setdefault(column, []).append(name)
    parts = [f"les colonnes {_listed(names)} désignent toutes {'deux ' if len(names) == 2 else ''}"
             f"{MEANINGS[column]}" for column, names in by_column.items() if column in MEANINGS and len(names) > 1]
    if not parts:
        return None
    return ("Table origine–destination invalide : " + " ; ".join(parts)
            + " : gardez-en une seule (impossible de savoir laquelle utiliser)")
