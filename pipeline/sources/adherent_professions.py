"""Professions of the members file (``ADHERENTS=``) as a CPTS secretary types them, read as the Trame's rows.

The Trame d'un projet de santé (seed 002) counts members per profession,
then for the MSP and centres de santé, then « Autres (précisez) ». A file
writes a profession freely: « Médecin généraliste », « MG », « IDE »,
« infirmières libérales », « kiné »; a structure by its kind (« MSP de
Riez »); and sometimes a member with their structure (« MSP de Digne -
Médecin généraliste »), who is a professional, not a structure.
"""

from __future__ import annotations

import re

from pipeline.geography import ascii_fold
from pipeline.nomenclatures import GROUPES_STRUCTURES, GROUPES_TRAME

#: Rows of the Trame's table: the professions, then MSP and centres de santé (« Autres » last).
TRAME_ROWS: tuple[str, ...] = (*[g for g in GROUPES_TRAME if g != "Autres"], *GROUPES_STRUCTURES, "Autres")

#: Words a CPTS secretary types for a profession → Trame row (keys as :func:`_key` writes them).
PROFESSION_SYNONYMS: dict[str, str] = {
    "medecin generaliste": "Médecins généralistes", "generaliste": "Médecins généralistes",
    "omnipraticien": "Médecins généralistes", "medecin omnipraticien": "Médecins généralistes",
    "medecin de medecine generale": "Médecins généralistes",
    "mg": "Médecins généralistes", "medecine generale": "Médecins généralistes",
    "medecin specialiste": "Médecins spécialistes", "specialiste": "Médecins spécialistes",
    "infirmier": "Infirmiers", "infirmiere": "Infirmiers", "ide": "Infirmiers", "idel": "Infirmiers",
    "pharmacien": "Pharmaciens", "pharmacienne": "Pharmaciens",
    "masseur kinesitherapeute": "Masseurs-kinésithérapeutes", "kinesitherapeute": "Masseurs-kinésithérapeutes",
    "kine": "Masseurs-kinésithérapeutes", "mk": "Masseurs-kinésithérapeutes",
    "biologiste": "Biologistes", "sage femme": "Sages-femmes", "orthophoniste": "Orthophonistes",
    "orthoptiste": "Orthoptistes", "chirurgien dentiste": "Chirurgiens-dentistes", "dentiste": "Chirurgiens-dentistes",
    "pedicure podologue": "Pédicures-podologues", "podologue": "Pédicures-podologues",
    "psychologue": "Psychologues",
    # Found in real files by a review: each stopped the diagnostic (« profession inconnue »).
    **dict.fromkeys(("pharmacien d officine", "pharmacien titulaire", "pharmacien adjoint",
                     "pharmacienne d officine", "pharmacienne titulaire", "pharmacienne adjointe"), "Pharmaciens"),
    **dict.fromkeys(("infirmier e", "infirmier ere", "infirmiere de pratique avancee",
                     "infirmier de pratique avancee"), "Infirmiers"),
    **dict.fromkeys(("biologiste medical", "biologiste medicale", "medecin biologiste", "pharmacien biologiste"),
                    "Biologistes"),
    **dict.fromkeys(("psychologue clinicien", "psychologue clinicienne", "neuropsychologue"), "Psychologues"),
    "sf": "Sages-femmes",
    # Each medical specialty as a secretary writes it (the registry files specialists by their savoir-faire).
    **dict.fromkeys((
        "psychiatre", "pedopsychiatre", "cardiologue", "pediatre", "gynecologue", "gynecologue obstetricien",
        "gynecologue medical", "gynecologue medicale",
        "obstetricien", "ophtalmologue", "ophtalmologiste", "dermatologue", "dermatologiste", "radiologue",
        "rhumatologue", "pneumologue", "gastro enterologue", "gastroenterologue", "endocrinologue", "diabetologue",
        "neurologue", "urologue", "nephrologue", "oncologue", "cancerologue", "hematologue", "geriatre",
        "allergologue", "angiologue", "phlebologue", "orl", "oto rhino laryngologiste", "stomatologue",
        "anesthesiste", "chirurgien", "medecin interniste", "interniste", "medecin physique", "medecin du sport",
        "urgentiste", "medecin urgentiste",
    ), "Médecins spécialistes"),
    # The RPPS's own wording of a GP's qualification.
    "medecin specialiste en medecine generale": "Médecins généralistes",
    **dict.fromkeys(("infirmier liberal", "infirmiere liberale", "infirmier diplome d etat", "ipa",
                     "infirmier en pratique avancee", "infirmiere en pratique avancee", "puericultrice",
                     "infirmiere puericultrice"), "Infirmiers"),
    "pedicure": "Pédicures-podologues",
    **dict.fromkeys(("maieuticien", "maieuticienne", "sagefemme"), "Sages-femmes"),
    # Professions the Trame has no row for: « Autres (précisez) ».
    **dict.fromkeys((
        "dieteticien", "dieteticienne", "ergotherapeute", "osteopathe", "psychomotricien", "psychomotricienne",
        "audioprothesiste", "opticien", "opticienne", "opticien lunetier", "chiropracteur", "orthoprothesiste",
        "podo orthesiste", "manipulateur radio", "manipulatrice radio", "manipulateur en electroradiologie",
        "manipulatrice en electroradiologie", "preparateur en pharmacie", "preparatrice en pharmacie",
        "aide soignant", "aide soignante", "assistant social", "assistante sociale", "educateur", "educatrice",
        "enseignant en activite physique adaptee", "enseignant apa",
    ), "Autres"),
    # The Trame's structure rows, as it words them: « Maisons de santé pluriprofessionnelles (MSP) »,
    # « Centres de santé (CDS) », « Autres (précisez) ».
    "msp": "MSP", "maison de sante": "MSP", "maison de sante pluriprofessionnelle": "MSP",
    "maison de sante pluri professionnelle": "MSP", "maison de sante pluriprofessionnelle msp": "MSP",
    "centre de sante": "Centres de santé", "cds": "Centres de santé", "centre de sante cds": "Centres de santé",
    "autre": "Autres", "autre precisez": "Autres", "autre preciser": "Autres",
}


#: What sets a member's profession apart from their structure's name: a dash, a colon, brackets, a comma, a
#: slash. A hyphen splits only beside a space: inside a word it joins (« Sage-femme », « Saint-Paul »; a review:
#: « MSP de Digne - Sage-femme » was an MSP, « Sage-femme (MSP de Riez) » refused).
_SEPARATORS = re.compile(r"\s+-\s*|\s*-\s+|\s*[–—:()\[\],/;|]\s*")
#: The words that place a member in their structure (« Médecin généraliste à la MSP de Digne », « Infirmière au
#: centre de santé de Riez », « Kiné en MSP »: refused by a review for want of punctuation).
#: A whole word before the place (a review: « Autre », « Endocrinologue » were split after « Au », « En »).
_PLACED_IN = re.compile(r"\s+(?:(?:[àa]\s+la|au|aux|en|dans\s+(?:la|le)|chez)\s+|(?:[àa]|dans)\s+l['’]\s*)(?=\w)",
                        re.IGNORECASE)
#: The word that places a member in a town (« Médecin généraliste à Digne », « Kiné sur Manosque »).
_AT_PLACE = re.compile(r"\s+(?:[àa]|sur)\s+(?=\w)", re.IGNORECASE)


#: Feminine endings of the professions' words and their masculine, the nomenclatures' form (« Chirurgienne-dentiste »,
#: « Masseuse-kinésithérapeute », « Infirmière diplômée d'État », « Manipulatrice radio »: refused by a review as
#: unknown professions). A plural ``s`` is kept for :func:`_singular`.
_FEMININE = re.compile(r"(ienne|euse|iere|ee|trice)(s?)$")
_MASCULINE = {"ienne": "ien", "euse": "eur", "iere": "ier", "ee": "e", "trice": "teur"}


def masculine(word: str) -> str:
    """The masculine of a folded (lower-case ASCII) word of a profession: « chirurgiennes » → « chirurgiens »."""
    return _FEMININE.sub(lambda m: _MASCULINE[m[1]] + m[2], word) if len(word) > 4 else word


#: The State diploma beside a profession (« Infirmière D.E. », « Masseur-kinésithérapeute DE libéral »): dotted in
#: any case, or « DE » in capitals at the end, before punctuation or before a mode of practice; the preposition
#: before a place keeps it (« CENTRE DE SANTÉ de Riez »: a re-check saw it refused).
_DOTTED_DIPLOMA = re.compile(r"(?<![\w.])d\.\s?e\.?(?!\w)", re.IGNORECASE)
_CAPITAL_DIPLOMA = re.compile(
    r"(?<![\w.])DE(?=\s*$|\s*[,;:()/|–—]|\s+-|\s+(?i:lib[ée]ra|salari|hospitali|mixte|rempla))")


def without_state_diploma(text: str) -> str:
    """``text`` without the State diploma it writes after a profession (« Infirmiers D.E. libéraux »)."""
    return _CAPITAL_DIPLOMA.sub(" ", _DOTTED_DIPLOMA.sub(" ", text))


def _key(text: str) -> str:
    """Lower-case ASCII masculine words, without the State diploma (« Infirmières DE » → « infirmiers »)."""
    # A typographic apostrophe separates words as the ASCII one does (« d’État »: folded away, « detat », a re-check).
    spaced = re.sub(r"[’ʼ‘`´]", " ", without_state_diploma(text))
    return " ".join(masculine(w) for w in re.sub(r"[^a-z]+", " ", ascii_fold(spaced)).split())


#: :data:`PROFESSION_SYNONYMS` as :func:`_key` writes them (masculine: « infirmiere » and « infirmier » are one key).
_SYNONYMS = {_key(key): group for key, group in PROFESSION_SYNONYMS.items()}
#: Words of the longest synonym.
_LONGEST_KEY = max(len(key.split()) for key in _SYNONYMS)


#: Words of a mode of practice that say nothing of the profession (« infirmiers libéraux », « sage-femme salariée »).
_PRACTICE_WORDS = frozenset(("liberal", "liberale", "liberaux", "liberales", "salarie", "salariee", "salaries",
                             "salariees", "hospitalier", "hospitaliere", "hospitaliers", "hospitalieres", "mixte",
                             "mixtes", "remplacant", "remplacante", "remplacants", "remplacantes"))


def profession_group(text: str, *, beside_other_words: bool = True) -> str | None:
    """The Trame row of a free-text profession (plural forms, accents, case and the mode of practice
    tolerated), or None.

    ``beside_other_words`` False: a profession beside words that are no structure names none (a flow table's
    « MG / inconnu » is no GP; a member's « Infirmière - Mme Dupont » is a nurse)."""
    # A profession first, then the structure: a person, whatever the structure's kind (« Infirmière au centre de
    # santé de Riez »; « Pharmacien – centre de santé de Manosque » was refused by a review, while « Centre de
    # santé (infirmier) », the structure first, is a kind of centre); or then where or how the member practises
    # (« Médecin généraliste à Digne », « Infirmière - Mme Dupont »: refused by a review), or the same profession
    # twice (« Médecin spécialiste - cardiologue »). Two professions stay refused. Each part read by its words
    # only: no recursion, however many separators a cell holds.
    patterns = (_PLACED_IN, _AT_PLACE, _SEPARATORS) if beside_other_words else (_PLACED_IN, _SEPARATORS)
    if (person := _placed_person(text, patterns, beside_other_words)) is not None:
        return person
    found = _by_words(text) or _both_genders(text)
    if found is None or found == "MSP":
        # « MSP de Digne - Médecin généraliste », « MSP Digne (kiné) », « Infirmière (MSP de Riez) »: a member
        # written with their maison de santé (a review: three such members counted as three MSP). A centre de
        # santé's words are its kind (« Centre de santé (infirmier) »): not read so here.
        return _one_profession_beside(text, {"MSP"}, beside_other_words) or found
    return found


def _both_genders(text: str) -> str | None:
    """The one profession parts joined by « et » / « ou » all name (« Infirmières et infirmiers », a re-check);
    None for two professions (« Infirmière et sage-femme »)."""
    parts = re.split(r"\s+(?:et|ou)\s+", text, flags=re.IGNORECASE)
    groups = {_by_words(part) for part in parts} if len(parts) > 1 else {None}
    return groups.pop() if len(groups) == 1 and None not in groups and not groups & set(GROUPES_STRUCTURES) else None


def _placed_person(text: str, patterns: tuple[re.Pattern[str], ...], beside_other_words: bool = True) -> str | None:
    """The profession ``text`` names first, before where or how the member practises (split by the first of
    ``patterns`` that splits it), when the rest names no other profession (``beside_other_words`` False: when
    the rest names a structure); else None."""
    rest_may_be = (None, *GROUPES_STRUCTURES) if beside_other_words else GROUPES_STRUCTURES
    for pattern in patterns:
        placed = pattern.split(text, maxsplit=1)
        if len(placed) == 2 and (person := _by_words(placed[0])) not in (None, *GROUPES_STRUCTURES) \
                and (_by_words(placed[1]) in (person, *rest_may_be)) \
                and _professions_named(placed[1]) <= {person}:
            return person
    return None


def _by_words(text: str) -> str | None:
    """The Trame row ``text`` names by its words alone (a synonym, or a structure named after its kind)."""
    words = _key(text).split()
    key = " ".join(w for w in words if w not in _PRACTICE_WORDS) or " ".join(words)
    for group in TRAME_ROWS:
        if key == _key(group):
            return group
    singular = _singular(key.split())
    found = _SYNONYMS.get(key) or _SYNONYMS.get(singular)
    # A structure named after its kind (« MSP de Riez », « Maison de santé de Valensole », « Centre de santé X »),
    # and « Autre (diététicienne) », « Autre : ostéopathe », the Trame's « Autres (précisez) » as it asks.
    for start, structure in (("msp ", "MSP"), ("maison de sante ", "MSP"), ("centre de sante ", "Centres de santé"),
                             ("centre municipal de sante", "Centres de santé"), ("autre ", "Autres")):
        if found is None and f"{singular} ".startswith(start):
            found = structure
    return found


def _professions_named(text: str) -> set[str]:
    """The professions (Trame rows other than structures) any run of words of ``text`` names (« Digne, kiné à
    Riez » names one: a second profession, not a place)."""
    words = _key(text).split()
    runs = {" ".join(words[start:end]) for start in range(len(words))
            for end in range(start + 1, min(len(words), start + _LONGEST_KEY) + 1)}
    found = {_SYNONYMS.get(run) or _SYNONYMS.get(_singular(run.split())) for run in runs}
    return {group for group in found if group is not None and group not in GROUPES_STRUCTURES}


def _singular(words: list[str]) -> str:
    """Each word singular: « medicaux » → « medical » (a re-check: « Biologistes médicaux » refused), « infirmiers »
    → « infirmier »."""
    return " ".join(w[:-3] + "al" if w.endswith("aux") and len(w) > 4 else w[:-1] if w.endswith("s") and len(w) > 3
                    else w for w in words)


def _one_profession_beside(text: str, structures: set[str], beside_other_words: bool = True) -> str | None:
    """The one profession ``text`` sets apart by punctuation from one of ``structures`` (Trame rows), in either
    order; None when no part names such a structure, or the parts name several professions (« MSP du Val de
    Durance (médecins, IDE, kinés) » is the structure)."""
    parts = [part for part in _SEPARATORS.split(text) if part.strip()]
    if len(parts) < 2:
        return None
    # A part read by its words, or as a profession and its place (« MSP de Riez - Infirmière à Riez », a review).
    placed = (_PLACED_IN, _AT_PLACE) if beside_other_words else ()
    groups = [_by_words(part) or _placed_person(part, placed) for part in parts]
    if not beside_other_words and None in groups:  # « MSP - MG / inconnu » in a flow table: no GP (a review)
        return None
    professions = {g for g in groups if g is not None and g not in GROUPES_STRUCTURES}
    return professions.pop() if set(groups) & structures and len(professions) == 1 else None


def profession_of_a_member(text: str) -> str | None:
    """The one profession of a member written with their structure, a maison or a centre de santé (« Centre de
    santé Belsunce - médecin généraliste »), for a row the caller knows is a person (it carries an RPPS number: a
    structure has none); None when the text names no structure or several professions."""
    return _one_profession_beside(text, set(GROUPES_STRUCTURES))


#: The structure rows' own names, not one structure's (« MSP », « Maisons de santé », « CDS »): such a row may
#: count several structures.
_BARE_STRUCTURES = frozenset(key for key, group in _SYNONYMS.items() if group in GROUPES_STRUCTURES)


def names_one_structure(text: str) -> bool:
    """Whether ``text`` names one structure (« MSP du Panier ») rather than the row of a kind (« MSP »)."""
    words = _key(text).split()
    return profession_group(text) in GROUPES_STRUCTURES and " ".join(words) not in _BARE_STRUCTURES \
        and _singular(words) not in _BARE_STRUCTURES and all(_key(text) != _key(g) for g in GROUPES_STRUCTURES)


