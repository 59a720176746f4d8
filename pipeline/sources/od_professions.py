"""The profession a row of an origin–destination table (``FLUX=``) names, as a Trame group.

Labels are read whatever their case, accents, plurals (« libéraux ») and punctuation: the members file's words
(:func:`~pipeline.sources.adherents.profession_group`), the ANS nomenclatures' labels and ``SM`` codes, the
Assurance maladie's « omnipraticiens », and a label beside its code or synonym (« MG - Médecine générale »).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from pipeline import nomenclatures
from pipeline.geography import ascii_fold
from pipeline.sources.adherent_professions import masculine, without_state_diploma
from pipeline.sources.adherents import profession_group

#: The Trame group of general practitioners (the pertinence section keeps only its rows).
GROUPE_MG = nomenclatures.GROUPE_MG
#: Flow-table words for a group beyond the members file's (:func:`profession_group`), folded and singular.
#: Numeric profession codes are not read: TRE_G15's 10 is every médecin (generalist or not), and the
#: Assurance maladie numbers specialties differently.
EXTRA_PROFESSIONS = {
    "omnipraticien": GROUPE_MG, "medecin omnipraticien": GROUPE_MG, "medecin generaliste liberal": GROUPE_MG,
    "generaliste liberal": GROUPE_MG, "omnipraticien liberal": GROUPE_MG, "medecin de medecine generale": GROUPE_MG,
}


def _singular(word: str) -> str:
    """« generalistes » → « generaliste », « liberaux » → « liberal » (the Assurance maladie's « Omnipraticiens
    libéraux » was read as no profession)."""
    if word.endswith("aux") and len(word) > 4:
        return word[:-3] + "al"
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _fold(text: str) -> str:
    """Lower-case ASCII words (letters and digits), masculine and singular (« généralistes » → « generaliste »,
    « chirurgiennes » → « chirurgien »)."""
    return " ".join(_singular(masculine(w)) for w in re.sub(r"[^a-z0-9]+", " ", ascii_fold(text)).split())


@cache
def _nomenclature_words() -> dict[str, str]:
    """Folded labels (and ``SM`` codes) of the ANS professions and specialties that name one Trame group."""
    words = {}
    for table in (nomenclatures.professions(), nomenclatures.specialites()):
        for code, label, group in zip(table["code"], table["libelle"], table["groupe"], strict=True):
            if group in nomenclatures.GROUPES_TRAME:
                words[_fold(label)] = group
                if not code.isdigit():
                    words[_fold(code)] = group
    return words | {_fold(key): group for key, group in EXTRA_PROFESSIONS.items()}


#: A feminine ending written inclusively, in brackets or between middle dots, dots or hyphens: « Infirmier(e)s »,
#: « Infirmier(ère)s », « Omnipraticien·ne·s », « Masseur(se)s », « libéraux(ales) », « libéraux·ales »,
#: « Infirmier-e-s » (reviews: read as professions of their own, the nurses' attraction « non disponible »). The
#: longer endings first: « ·ales » is one ending, not « ·ale » and an « s ».
_ENDINGS = "ales|ale|ère|ere|euse|trice|rice|ne|le|se|e"
INCLUSIVE = re.compile(rf"\((?:{_ENDINGS})\)|[·.\-](?:{_ENDINGS})(?=[·.\-]?s\b|\b)", re.IGNORECASE)


@lru_cache(maxsize=4096)  # called per row; a table repeats a few labels
def flow_profession(text: str) -> str | None:
    """The Trame group of a profession written in a flow table, or None when it names none.

    Case, accents, plurals and punctuation are ignored; the members file's
    words (:func:`~pipeline.sources.adherents.profession_group`: « MG »,
    « Médecine générale »…), the ANS nomenclatures' labels and ``SM`` codes
    (« Qualifié en médecine générale », « SM54 ») and « omnipraticien » are
    read; a parenthesised part is tried apart (« Médecins généralistes (MG) »).
    « Médecin » alone names no group (generalist or specialist).
    """
    # Inclusive writing (« Infirmier(e)s », « Infirmier·e·s ») and the State diploma (« Infirmiers DE », « D.E. »,
    # a common SNDS label: a review got its rows as a group of their own, the nurses' attraction 0) say no more.
    # Anywhere in the label: « Infirmiers D.E. libéraux », « Infirmiers DE libéraux » (a review).
    text = re.sub(r"\s+d\.?\s?e\.?$", "", without_state_diploma(text).strip(), flags=re.IGNORECASE)
    text = re.sub(r"(?i)\blib[ée]rals\b", "libéraux", re.sub(r"[·.\-](?=s\b)", "", INCLUSIVE.sub("", text)))
    outside = re.sub(r"\([^)]*\)", " ", text)
    for candidate in (text, outside, *re.findall(r"\(([^)]*)\)", text)):
        group = profession_group(candidate, beside_other_words=False) or _nomenclature_words().get(_fold(candidate))
        if group is not None:
            return group
    # A label and its code or synonym side by side (« MG - Médecine générale », « médecins généralistes,
    # omnipraticiens », « Infirmières et infirmiers »): one group when every part names it; two groups
    # (« Infirmiers / Kinés », « Infirmiers et kinés ») name none.
    parts = [p for p in re.split(r"\s[-–]\s|[,;/]|\s(?:et|ou)\s", outside, flags=re.IGNORECASE) if p.strip()]
    if len(parts) > 1:
        groups = {profession_group(p, beside_other_words=False) or _nomenclature_words().get(_fold(p))
                  for p in parts}
        if len(groups) == 1:
            return groups.pop()
    return None


def is_gp(group: str) -> bool:
    """Whether a profession (a :attr:`StagedOD.table` ``profession`` or a flow table ``groupe``) is GPs."""
    return group == GROUPE_MG or flow_profession(group) == GROUPE_MG
