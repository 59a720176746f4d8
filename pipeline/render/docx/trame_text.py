"""The words of the national « Trame d'un projet de santé de CPTS » (seed 002), kept verbatim.

Headings are the Trame's, in its order; the guidance texts (« Informations
attendues », « Remarque », the prompts of the boxes) are printed in grey
italics for the CPTS team, who replaces them with its own text. Footnotes of
the Trame are kept as guidance next to the line they annotate. Only one typo
of the source is corrected (« S'il y aun » -> « S'il y a un »).
"""

from __future__ import annotations

TITLE = "Trame d’un projet de santé de CPTS"
SUBTITLE = "La trame du projet de santé est définie par chaque ARS."
PROJECT_DATE = "Projet de santé établi en date du :"

# --- Front page: the legal structure -------------------------------------------------------------
STRUCTURE = "Structure juridique porteuse du projet de la CPTS"
#: (field, guidance) rows of the structure table; the footnotes of the Trame are the guidance.
STRUCTURE_FIELDS: tuple[tuple[str, str], ...] = (
    ("Nom de la CPTS :", ""),
    ("Nom de l’association 1901 :",
     "L'association est le statut juridique unique des CPTS depuis l'ordonnance du 12 mai 2021"),
    ("N° SIRET :", ""),
    ("Coordonnées de l’association – Adresse postale :", ""),
    ("Coordonnées de l’association – Téléphone :", ""),
    ("Coordonnées de l’association – email :", ""),
    ("Coordonnées de l’association – email à diffuser sur le site de l’ARS :", ""),
    ("Représentant légal de l’association", "Nom, prénom, profession, téléphone, email"),
    ("Coordonnateur de la CPTS", "Nom, prénom, profession, téléphone, email"),
    ("Description de l’organisation de la gouvernance du projet :",
     "Bureau, conseil d’administration … Il est rappelé que les statuts devront être mis en annexe."),
)
ANNEXES_INTRO = "Il conviendra de joindre en annexe au projet de santé :"
ANNEXES = ("les statuts de la structure porteuse.", "Les fiches actions", "La liste des adhérents")
ACTION_SHEETS = ("Au sein de chaque mission de la CPTS, il est conseillé de rédiger une fiche-action par action. "
                 "Un modèle de fiche action pourra vous être fourni par votre Référent Organisations Coordonnées.")
ACTION_SHEETS_EXAMPLE = ("exemple : au sein de la mission prévention, un projet « diabète » et un projet "
                         "« addiction » feraient l’objet de deux fiches action.")

# --- Diagnostic territorial ------------------------------------------------------------------------
DIAGNOSTIC = "DIAGNOSTIC TERRITORIAL DE LA CPTS"
TERRITORY = "Description du territoire du projet"
COMMUNES_HEADER = ("COMMUNES", "CODE POSTAL", "Particularité du territoire (QPV, ZIP, ZAC)")
POPULATION = "Evaluation de la population concernée par le projet (nombre d’habitants) :"
TAILLE = "Taille de la CPTS :"
#: Taille boxes as laid out in the Trame: two columns (1 and 3, then 2 and 4), then 4++ on its own line.
TAILLES: dict[str, str] = {
    "1": "Taille 1 : moins de 40 000 habitants",
    "2": "Taille 2 : entre 40 000 et 80 000 habitants",
    "3": "Taille 3 : entre 80 000 et 175 000 habitants",
    "4": "Taille 4 : Plus de 175 000 habitants",
    "4++": "Taille 4++ : Taille 4 avec plus de 100 PS",
}
TAILLE_GRID: tuple[tuple[str, str], ...] = (("1", "3"), ("2", "4"))
CHECKED, UNCHECKED = "☒", "☐"

POPULATION_CHARACTERISTICS = "Caractéristique de la population"
POPULATION_GUIDANCE = (
    "Informations attendues : le diagnostic territorial doit identifier les besoins du territoire de la CPTS. "
    "Il doit se construire en prenant en compte les réalités de terrain et en intégrant les spécificités locales "
    "dans une approche populationnelle, au-delà de la patientèle habituelle. Il s’appuie sur les caractéristiques "
    "territoriales en se basant sur les données Rézone CPTS, le Programme Régional de Santé de l’ARS et autres "
    "statistiques pertinentes à jour notamment celles des contrats locaux de santé.",
    "Possibilité de demander à votre Référent Organisations Coordonnées de vous présenter l’outil Rézone CPTS",
    "Remarque : le diagnostic devra nécessairement être partagé entre toutes les parties prenantes du projet "
    "(ce qui sous-entend une démarche de communication et de mobilisation des partenaires du territoire).",
)
POPULATION_BOX = ("Détaillez ici les problématiques de santé du territoire appuyées sur les données du diagnostic",
                  "Cet encadré peut prendre plusieurs pages.")

CARE_SUPPLY = "Identification et analyse de l’offre de soin du territoire"
CARE_SUPPLY_GUIDANCE = (
    "Informations attendues :",
    "Description du lien et des articulations avec les acteurs identifiés : S’il y a un DAC opérationnel, un "
    "contrat local de santé actualisé (CLS), un hôpital de proximité, et/ou un projet territorial de santé "
    "intervenant sur le territoire, préciser particulièrement l’articulation prévue entre la CPTS et chacune de "
    "ces dynamiques.",
)
CARE_SUPPLY_BOX = ("Détaillez ici l’offre de soin, ses dynamiques, ses liens et articulation entre la CPTS et les "
                   "acteurs identifiés.", "Cet encadré peut être élargi selon le besoin.")

# --- Actions -----------------------------------------------------------------------------------------
ACTIONS = "ACTIONS DE LA CPTS SELON LES MISSIONS DEFINIES PAR L’ACI"
ACTIONS_GUIDANCE = (
    "Avant de définir un plan d’actions par mission conventionnelle, un état des lieux de l’offre existante devra "
    "être réalisé afin de tenir compte des organisations existantes fédérant déjà des acteurs du territoire, et "
    "éviter de déployer des actions redondantes. Les référents de l’assurance maladie (régime général, MSA) et de "
    "l’ARS sont en mesure d’accompagner la réalisation de cette photographie de l’offre et des outils existants, "
    "et des partenaires en place."
)
CORE_MISSIONS = "a) Les missions socles obligatoires"
CORE_MISSIONS_GUIDANCE = (
    "Remarque : si l’ensemble de ces missions n’est pas défini, le projet ne pourra pas être reconnu comme CPTS et "
    "ne pourra pas être financé au titre de l’ACI. Préciser à chaque fois les objectifs en faveur des patients et de "
    "la population, s’il y a une cible prioritaire, et les objectifs pour les acteurs impliqués."
)
CORE_MISSION_TITLES = (
    "1. AMELIORER L’ACCES AUX SOINS : FACILITER L’ACCES AU MEDECIN TRAITANT ET AMELIORER LA PRISE EN CHARGE DES "
    "SOINS NON PROGRAMMES EN VILLE",
    "2. PERMETTRE L’ORGANISATION ET COORDINATION DES PARCOURS PLURI-PROFESSIONNELS AUTOUR DU PATIENT",
    "3. DEVELOPPER DES ACTIONS DE PREVENTION",
    "4. DEVELOPPER UNE REPONSE AUX CRISES SANITAIRES GRAVES.",
)
OPTIONAL_MISSIONS = "b) Les missions complémentaires optionnelles de l’ACI"
OPTIONAL_MISSION_TITLES = (
    "DEVELOPPER LA QUALITE ET LA PERTINENCE DES SOINS",
    "ACCOMPAGNER LES PROFESSIONNELS DE SANTE SUR LE TERRITOIRE",
)
ACTION_HEADER = ("Actions de la CPTS\n(Titre de la fiche action)",
                 "Description des objectifs attendus\n(Résumé en une phrase)")
OTHER_ACTIONS = "c) Autres actions hors champs de l'ACI CPTS"
OTHER_ACTIONS_GUIDANCE = (
    "Remarque : vous pouvez décrire ici des actions entreprises au service de la population et des professionnels "
    "hors champs de l’ACI. Toutefois, celles-ci ne seront pas valorisées financièrement dans le cadre de l’ACI."
)
OTHER_ACTION_HEADER = ("Actions de la CPTS hors ACI", "Description des objectifs attendus")
MACRO_PLANNING = "d) Macro-planning du projet de santé"
MACRO_PLANNING_GUIDANCE = (
    "Informations attendues : à partir du rétroplanning de chaque action (à remplir dans les fiches actions), "
    "présenter ici un macro planning général où figure le début du travail préparatoire, le début et la fin de la "
    "mise en œuvre de chaque action pour chacune des missions.",
    "Remarque : le tableau ci-dessous est fourni à titre d’exemple. Celui-ci peut être rempli ou remplacé par une "
    "autre représentation visuelle.",
)
MACRO_PLANNING_HEADER = ("MACRO PLANNING\nA COMPLETER", "N°Action", "Année N", "Année N+1", "Année N+2",
                         "Année N+3", "Année N+4")
#: Missions of the macro-planning grid, with the Trame's deadlines.
MACRO_PLANNING_MISSIONS = (
    "MISSION SOCLE 1 AMELIORER L’ACCES AUX SOINS : FACILITER L’ACCES AU MEDECIN TRAITANT ET AMELIORER LA PRISE "
    "EN CHARGE DES SOINS NON PROGRAMMES EN VILLE\nDémarrage 6 mois après signature\n"
    "Déploiement 18 mois max après signature",
    "MISSION SOCLE 2 PERMETTRE L’ORGANISATION ET COORDINATION DES PARCOURS PLURI-PROFESSIONNELS AUTOUR DU PATIENT\n"
    "Démarrage 12 mois après signature\nDéploiement 24 mois max après signature",
    "MISSION SOCLE 3 DEVELOPPER DES ACTIONS DE PREVENTION\nDémarrage 12 mois après signature\n"
    "Déploiement 24 mois max après signature",
    "MISSION SOCLE 4 DEVELOPPER UNE REPONSE AUX CRISES SANITAIRES GRAVES.\nDémarrage 6 mois après signature\n"
    "Déploiement 18 mois max après signature",
    "MISSION COMPLEMENTAIRE 1\nDEVELOPPER LA QUALITE ET LA PERTINENCE DES SOINS",
    "MISSION COMPLEMENTAIRE 2 ACCOMPAGNER LES PROFESSIONNELS DE SANTE SUR LE TERRITOIRE",
    "MISSION AUTRE 1\nhors champs de l'ACI CPTS",
    "MISSION AUTRE 2\nhors champs de l'ACI CPTS",
    "MISSION AUTRE 3\nhors champs de l'ACI CPTS",
)

# --- Organisation ------------------------------------------------------------------------------------
ORGANISATION = "ORGANISATION DE LA CPTS"
MEMBERS = "0. Les professionnels de santé adhérents de la CPTS"
MEMBERS_GUIDANCE = (
    "La dynamique de la CPTS est inclusive, c'est-à-dire que celle-ci est ouverte à toutes les catégories de "
    "professionnels de santé. Cette exigence est reflétée par ses statuts et sa méthode d’élaboration du projet de "
    "santé : il s’agit d’un critère important de validation du projet de santé.",
    "Remarque : la liste des professionnels de santé adhérents de la CPTS avec leurs statuts (professionnels de "
    "santé libéraux, maisons de santé pluri-professionnelles, équipes de soins primaires, équipes de soins "
    "spécialisés, centres de santé, établissements services de santé et services sociaux, etc.) devra être mise en "
    "annexe.",
)
MEMBERS_HEADER = (
    "Professionnels et organisations de santé",
    "Nombre et/ou pourcentage de professionnels ayant adhéré à la CPTS",
    "Nombre et/ou pourcentage de professionnels participant à la gouvernance",
    "Nombre et/ou pourcentage de professionnels ayant participé à l’élaboration du projet de santé",
)
#: Rows of the Trame's members table, in its order.
PROFESSIONS = (
    "Médecins généralistes",
    "Médecins spécialistes",
    "Infirmiers",
    "Pharmaciens",
    "Masseurs-kinésithérapeutes",
    "Biologistes",
    "Sage-femmes",
    "Orthophonistes",
    "Orthoptistes",
    "Chirurgiens-Dentistes",
    "Pédicures-Podologues",
    "Psychologues",
    "Maisons de santé pluriprofessionnelles (MSP)",
    "Centres de santé (CDS)",
    "Autres (précisez)",
)
INCLUSION = "Dynamique d’inclusion et d’ouverture de la CPTS"
INCLUSION_GUIDANCE = (
    "Informations attendues : quelles ont été les actions mises en place à destination des professionnels du "
    "territoire pour les informer du projet ? Combien de professionnels ont participé/été touchés par ces actions ?",
)
INCLUSION_BOX = ("Détaillez ici la dynamique d’inclusion et d’ouverture de la CPTS.",
                 "Cet encadré peut être élargi selon le besoin.")
PARTNERS = "Liste des services / établissements partenaires de la CPTS"
PARTNERS_GUIDANCE = (
    "Les acteurs indispensables à la mise en œuvre de chacune des missions projetées sont partie prenante au projet "
    "de santé. La participation de ces acteurs-clé est un critère de validation du projet de santé.",
    "Remarque : liste pouvant être mise en annexe",
)
PARTNERS_HEADER = ("Service / Etablissement", "Nom du représentant", "Localisation",
                   "Partenariat formalisé (oui/non)", "Participation à la gouvernance (oui/non)")
COOPERATION = "Modalités existantes de travail et de communication entre la CPTS et les autres acteurs impliqués"
COOPERATION_GUIDANCE = (
    "Informations attendues : modalités existantes, à savoir, Mon espace santé, système d’information commun, "
    "dossier médical partagé, e-prescription, messagerie sécurisée, protocoles de prise en charge communs etc... "
    "Y a-t-il un besoin de partage et/ou fonctionnalités aujourd’hui non couvert ?",
)
COOPERATION_BOX = ("Détaillez ici les modalités de travail et de communication entre la CPTS et les autres acteurs "
                   "impliqués.", "Cet encadré peut être élargi selon le besoin.")

#: Top-level parts (Heading 1) in the Trame's order.
PARTS = (STRUCTURE, DIAGNOSTIC, ACTIONS, ORGANISATION)
