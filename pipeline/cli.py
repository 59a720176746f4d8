"""Command-line interface: ``python -m pipeline <commande>`` (help in French)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn

from pipeline import __version__, collector, config
from pipeline.app import outcome
from pipeline.model import (
    CoverageOptions,
    DataOptions,
    DiagnosticOptions,
    parse_departements,
    parse_signature,
    parse_what_if,
)


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None


def data_options(args: argparse.Namespace) -> DataOptions:
    mirror = Path(args.miroir).expanduser().resolve() if args.miroir else config.mirror_dir()
    return DataOptions(
        mirror=mirror, force=args.force, listings=tuple(Path(p).expanduser() for p in args.cpts),
        registry=_path(args.registre), savoir_faire=_path(args.savoir_faire), finess=_path(args.finess),
        registry_only=args.seule_extraction,
        demo="always" if args.demo else "never" if args.sans_demo else "auto",
        departements=(() if args.toute_la_france else
                      parse_departements(args.departements) if args.departements is not None else None),
    )


def diagnostic_options(args: argparse.Namespace) -> DiagnosticOptions:
    """Typed options of ``diagnostic``: dates and scenarios parsed here, once (French errors)."""
    return DiagnosticOptions(
        territory=args.territoire,
        signature=parse_signature(args.signature) if args.signature is not None else None,
        members=_path(args.adherents),
        what_if=parse_what_if(args.ajout) if args.ajout is not None else (),
        flows=_path(args.flux),
        name=args.nom,
        pdf=args.pdf,
    )


def coverage_options(args: argparse.Namespace) -> CoverageOptions:
    if args.france:
        return CoverageOptions("france", None, args.seuil)
    if args.region:
        return CoverageOptions("region", args.region, args.seuil)
    return CoverageOptions("departement", args.departement, args.seuil)


def cmd_data(args: argparse.Namespace) -> int:
    from pipeline.app import data
    collector.imports_done()

    data.main(data_options(args))
    return 0


def cmd_territoire(args: argparse.Namespace) -> int:
    from pipeline.app import inspect
    collector.imports_done()

    inspect.print_territory(args.territoire, args.nom)
    return 0


def cmd_diagnostic(args: argparse.Namespace) -> int:
    from pipeline.app.diagnostic import run_diagnostic
    collector.imports_done()  # and again once its writers are imported (render.outputs.load_writers)

    run_diagnostic(diagnostic_options(args))
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    from pipeline.app.coverage import run_coverage
    collector.imports_done()

    run_coverage(coverage_options(args))
    return 0


def cmd_editor(args: argparse.Namespace) -> int:
    from pipeline.app.editor import run_editor
    from pipeline.model.perimeter import EditorOptions
    collector.imports_done()

    run_editor(EditorOptions(region=args.region, departement=args.departement, cpts=args.cpts))
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from pipeline.app.batch import run_batch
    from pipeline.model.perimeter import BatchOptions  # run_batch freezes once its writers are imported

    return run_batch(BatchOptions(listing=args.liste, region=args.region))


def cmd_sources(args: argparse.Namespace) -> int:
    from pipeline.app import inspect
    collector.imports_done()

    inspect.print_sources()
    return 0


class FrenchHelpFormatter(argparse.HelpFormatter):
    """argparse's fixed English words, in French."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, prefix="utilisation : ")


def _french(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser._positionals.title = "arguments"
    parser._optionals.title = "options"
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            action.help = "afficher cette aide et quitter"
        if isinstance(action, argparse._VersionAction):
            action.help = "afficher la version et quitter"
    return parser


def given_path(value: str) -> str:
    """``--adherents``, ``--flux``: a path, never an empty one (a script's unset variable, « --adherents "$VAR" »,
    silently dropped the members table a review expected)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("chemin vide : donnez le chemin du fichier, ou retirez l'option")
    return value


def positive_population(value: str) -> int:
    """``--seuil``: a whole number of inhabitants, strictly positive (French argparse error otherwise)."""
    try:
        number = int(value.strip().replace(" ", "").replace("\u202f", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"seuil invalide « {value} » : attendu un nombre entier d'habitants, par ex. 20000") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(
            f"seuil invalide « {value} » : la population minimale doit être strictement positive (par ex. 20000)")
    return number


#: argparse's own English messages (Python 3.10–3.13), in French; the groups are kept.
ARGPARSE_FR: tuple[tuple[str, str], ...] = (
    (r"^unrecognized arguments: (.*)$", r"arguments non reconnus : \1"),
    (r"^the following arguments are required: (.*)$", r"arguments obligatoires absents : \1"),
    (r"^one of the arguments (.*) is required$", r"l'une des options \1 est obligatoire"),
    (r"^expected one argument$", "une valeur est attendue"),
    (r"^expected at least one argument$", "au moins une valeur est attendue"),
    (r"^not allowed with argument (.*)$", r"incompatible avec l'option \1"),
    (r"^invalid choice: (.*) \(choose from (.*)\)$", r"choix invalide : \1 (choix possibles : \2)"),
    (r"^invalid (\w+) value: (.*)$", r"valeur invalide : \2"),
    (r"^ignored explicit argument (.*)$", r"valeur inattendue \1"),
)


def french_usage_error(message: str) -> str:
    """argparse's error ``message`` in French (« option --x : … »)."""
    prefix = ""
    if message.startswith("argument ") and ": " in message:
        name, _, message = message[len("argument "):].partition(": ")
        prefix = f"option {name} : "
    for pattern, replacement in ARGPARSE_FR:
        if re.match(pattern, message):
            message = re.sub(pattern, replacement, message)
            break
    return prefix + message


class FrenchArgumentParser(argparse.ArgumentParser):
    """argparse whose usage errors are in French (« erreur : » instead of « error: »)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {french_usage_error(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = FrenchArgumentParser(
        formatter_class=FrenchHelpFormatter,
        prog="python -m pipeline",
        description="Diagnostic territorial des CPTS : chargement des sources, diagnostic d'un territoire, "
        "couverture régionale.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="commande", metavar="COMMANDE", required=True, title="commandes",
                                prog="python -m pipeline")

    data = sub.add_parser("data", help="charger les sources dans la base DuckDB",
                          description="Charge les sources (miroir ou téléchargement) dans processed/cpts.duckdb "
                          "du dossier de données (CPTS_DATA_DIR s'il est défini, sinon data/).")
    data.add_argument("--miroir", help=f"dossier miroir des données (sinon variable {config.MIRROR_ENV})")
    data.add_argument("--force", action="store_true", help="recharger même les sources inchangées")
    scope = data.add_mutually_exclusive_group()
    scope.add_argument("--departements", metavar="CODES",
                       help="ne charger que ces départements (ex. 04,05,06,13,83,84) ; la base s'en souvient")
    scope.add_argument("--toute-la-france", dest="toute_la_france", action="store_true",
                       help="charger toute la France (annule un --departements précédent)")
    data.add_argument("--cpts", action="append", default=[], metavar="CHEMIN",
                      help="liste de CPTS à charger (CSV, classeur Excel .xlsx, GeoJSON, GeoPackage ou Shapefile) ; "
                      "peut être répété")
    data.add_argument("--registre", metavar="CHEMIN", default=os.environ.get(config.REGISTRY_ENV),
                      help=f"extraction Annuaire Santé (sinon variable {config.REGISTRY_ENV})")
    data.add_argument("--savoir-faire", dest="savoir_faire", metavar="CHEMIN",
                      help="fichier savoir-faire séparé de l'extraction Annuaire Santé")
    data.add_argument("--seule-extraction", dest="seule_extraction", action="store_true",
                      help="ne garder que l'extraction Annuaire Santé de --registre (les autres dates chargées, "
                      "qui servent à l'évolution de l'offre, sont retirées)")
    data.add_argument("--finess", metavar="CHEMIN", default=os.environ.get(config.FINESS_ENV),
                      help=f"extraction FINESS (sinon variable {config.FINESS_ENV})")
    demo = data.add_mutually_exclusive_group()
    demo.add_argument("--sans-demo", dest="sans_demo", action="store_true",
                      help="ne pas générer de données d'offre fictives de démonstration quand aucun registre "
                      "réel n'est fourni")
    demo.add_argument("--demo", action="store_true",
                      help="charger les données fictives de démonstration sans tenter de télécharger les registres")
    data.set_defaults(func=cmd_data)

    terr = sub.add_parser("territoire", help="résoudre un territoire et lister ses communes")
    terr.add_argument("territoire", help="ex. communes:04070,04001 | epci:SIREN | bv:CODE | departement:04 | "
                      "region:93 | cpts:NOM | cpts:LISTE:NOM | fichier:CHEMIN")
    terr.add_argument("--nom", help="nom à donner au territoire")
    terr.set_defaults(func=cmd_territoire)

    diag = sub.add_parser("diagnostic", help="diagnostic territorial d'une CPTS (rapport, carte, tableaux)")
    diag.add_argument("territoire", help="spécification du territoire (voir « territoire »)")
    diag.add_argument("--signature",
                      help="date de signature de l'ACI (AAAA-MM-JJ ou JJ/MM/AAAA) pour le calendrier des missions")
    diag.add_argument("--adherents", metavar="CHEMIN", type=given_path,
                      help="fichier des adhérents de la CPTS, CSV ou classeur Excel .xlsx (profession, RPPS)")
    diag.add_argument("--ajout", help="simulation : « médecins généralistes:2@04070;infirmiers:-1@04001 »")
    diag.add_argument("--flux", metavar="CHEMIN", type=given_path,
                      help="table origine-destination réelle (remplace le modèle)")
    diag.add_argument("--nom", help="nom du territoire dans les titres et le dossier de sortie")
    diag.add_argument("--pdf", action="store_true", help="imprimer aussi le rapport en PDF (Chromium)")
    diag.set_defaults(func=cmd_diagnostic)

    cov = sub.add_parser("couverture", help="couverture d'une zone par les CPTS (chevauchements, zones blanches)")
    zone = cov.add_mutually_exclusive_group(required=True)
    zone.add_argument("--region", help="région : code, sigle ou nom (ex. 93, PACA, « Grand Est »)")
    zone.add_argument("--departement", help="département : code ou nom (ex. 04, « Alpes-de-Haute-Provence »)")
    zone.add_argument("--france", action="store_true", help="toute la France")
    cov.add_argument("--seuil", type=positive_population, default=20000,
                     help="population minimale d'un périmètre proposé (entier strictement positif ; 20000 par "
                     "défaut)")
    cov.set_defaults(func=cmd_coverage)

    edit = sub.add_parser("editeur", help="éditeur de périmètre hors ligne (page HTML autonome)",
                          description="Écrit maps/editeur-<zone>/editeur.html (maps/editeur-<zone>-<cpts>/ avec "
                          "--cpts ; maps/ est CPTS_MAPS_DIR s'il est défini) : les communes de la zone, les CPTS "
                          "listées et les recours modélisés, pour composer un périmètre commune par commune.")
    edit_zone = edit.add_mutually_exclusive_group()
    edit_zone.add_argument("--region", help="région : code, sigle ou nom (ex. 93, PACA, « Grand Est »)")
    edit_zone.add_argument("--departement", help="département : code ou nom (ex. 04, « Alpes-de-Haute-Provence »)")
    edit.add_argument("--cpts", metavar="NOM", help="CPTS d'une liste chargée dont partir (ex. « CPTS du Verdon ») ; "
                      "seule, la zone est celle des départements de cette CPTS")
    edit.set_defaults(func=cmd_editor)

    batch = sub.add_parser("diagnostics", help="diagnostic de chaque CPTS d'une liste, et leur comparaison",
                           description="Diagnostic de chaque CPTS d'une liste chargée (ou d'une région) en un "
                           "seul passage, puis maps/comparaison-<liste>/index.html et les tableaux CSV/XLSX.")
    batch_zone = batch.add_mutually_exclusive_group(required=True)
    batch_zone.add_argument("--liste", help="nom d'une liste de CPTS chargée (ex. paca)")
    batch_zone.add_argument("--region", help="région (code, sigle ou nom) : les CPTS de toutes les listes ayant une "
                            "commune dans la région")
    batch.set_defaults(func=cmd_batch)

    src = sub.add_parser("sources", help="lister les sources chargées et leur provenance")
    src.set_defaults(func=cmd_sources)
    for sub_parser in (data, terr, diag, cov, edit, batch, src):
        sub_parser.formatter_class = FrenchHelpFormatter
        _french(sub_parser)
    return _french(parser)


#: Options naming a file or folder: a Linux file name may hold any bytes, and is opened as given.
_PATH_OPTIONS = frozenset({"miroir", "registre", "savoir_faire", "finess", "adherents", "flux"})


def typed_in_utf8(args: argparse.Namespace) -> argparse.Namespace:
    """``args``, once every text value (a name, a territory, a scenario) is checked to be UTF-8.

    Python hands bytes that are not UTF-8 (« É » typed in a Latin-1 terminal or saved in an ANSI script) over as
    lone surrogates, which stopped a diagnostic with an unexpected error where the name was first written (a
    review). File names are exempt: any bytes make a Linux file name.

    Raises
    ------
    PipelineError
        Naming the option, the first such byte and its position (exit code 2).
    """
    from pipeline.errors import PipelineError

    for name, value in vars(args).items():
        if name in _PATH_OPTIONS or not isinstance(value, str) or (name == "territoire"
                                                                    and value.strip().lower().startswith("fichier:")):
            continue
        position = next((i for i, char in enumerate(value) if "\udc80" <= char <= "\udcff"), None)
        if position is not None:
            shown = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            option = "territoire" if name == "territoire" else "--" + name.replace("_", "-")
            raise PipelineError(
                f"{option} « {shown} » : l'octet 0x{ord(value[position]) - 0xDC00:02x} (caractère n° {position + 1}) "
                "n'est pas de l'UTF-8 : la valeur a été saisie ou enregistrée dans un autre encodage (Latin-1, "
                "Windows-1252) ; saisissez-la dans un terminal en UTF-8 ou réenregistrez le script en UTF-8")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code (see :mod:`pipeline.app.outcome` for the codes and messages)."""
    args = build_parser().parse_args(argv)
    return outcome.run(lambda: int(typed_in_utf8(args).func(args)))
