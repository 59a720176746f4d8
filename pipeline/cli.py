"""Command-line interface: ``python -m pipeline <commande>`` (help in French)."""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn

from pipeline import __version__, config
from pipeline.errors import PipelineError, french_os_error


def _mirror(args: argparse.Namespace) -> Path | None:
    if getattr(args, "miroir", None):
        return Path(args.miroir).expanduser().resolve()
    return config.mirror_dir()


def cmd_data(args: argparse.Namespace) -> int:
    from pipeline.app import data as ingest

    start = time.perf_counter()
    mirror = _mirror(args)
    print(f"Sources : {'miroir ' + str(mirror) if mirror else 'téléchargement depuis les sources officielles'}")
    from pipeline.app.registries import registry_steps

    extra = registry_steps(args, mirror)
    report = ingest.run(mirror, force=args.force, extra_steps=extra)
    for step in report.steps:
        detail = (" — " + "; ".join(step.details)) if step.details else ""
        print(f"  {step.name:<32} {step.status:<9} {step.rows:>9} lignes  {step.seconds:6.1f} s{detail}")
    if report.residue is not None and not report.residue.empty:
        print(f"\nReliquat de l'harmonisation des contours ({len(report.residue)} lignes, table polygon_residue) :")
        for kind, group in report.residue.groupby("kind"):
            print(f"  {kind} ({len(group)}) :")
            for row in group.itertuples():
                pop = "" if row.population is None or str(row.population) == "<NA>" else f", {row.population} hab."
                print(f"    {row.code} {row.nom or ''}{pop} — {row.note}")
    # Counted under the writer lock: reopening the base here could collide with a run started since.
    n_communes, population = report.communes
    n_text, pop_text = (f"{v:,}".replace(",", " ") for v in (n_communes, population))
    print(f"\n{config.CURRENT_VINTAGE} : {n_text} communes actuelles, {pop_text} habitants")
    print(f"Terminé en {time.perf_counter() - start:.1f} s — base : {config.db_path()}")
    return 0


def cmd_territoire(args: argparse.Namespace) -> int:
    from pipeline.store import connection as store
    from pipeline.store.territory import resolve_territory

    con = store.connect(read_only=True)
    try:
        territory = resolve_territory(con, args.territoire)
    finally:
        con.close()
    print(f"{territory.label} : {len(territory.units)} unités, {territory.population:,} habitants".replace(",", " "))
    for note in territory.notes:
        print(f"  note : {note}")
    for row in territory.units.itertuples():
        print(f"  {row.unit_code} {row.nom} ({row.population})")
    return 0


def check_diagnostic_options(args: argparse.Namespace) -> None:
    """Validate the options of ``diagnostic`` before the (long) computation starts.

    The same checks run again where the values are used; doing them first means
    a typo in ``--signature`` or a bad ``--adherents`` file fails in a second,
    and an output folder that cannot be written fails before anything is
    computed or written.
    """
    from pipeline.geography import slugify
    from pipeline.render import exports

    if getattr(args, "signature", None):
        from pipeline.analysis.aci import parse_signature

        parse_signature(args.signature)
    if getattr(args, "ajout", None) is not None:
        from pipeline.analysis.access import parse_what_if

        parse_what_if(args.ajout)
    from pipeline.sources.files import check_regular_file

    for option, value in (("--adherents", getattr(args, "adherents", None)), ("--flux", getattr(args, "flux", None))):
        if value:
            check_regular_file(value, f"option {option}")
    if getattr(args, "adherents", None):
        from pipeline.sources.adherents import read_adherents

        read_adherents(args.adherents)
    if getattr(args, "flux", None):
        from pipeline.sources.od_table import read_od_table

        read_od_table(args.flux)
    slug = slugify(args.territoire, max_length=80, default="territoire")
    for folder in (exports.diagnostic_dir(slug), exports.map_dir(slug)):
        exports._check_writable(folder.parent)


def cmd_diagnostic(args: argparse.Namespace) -> int:
    from pipeline.app.diagnostic import run_diagnostic

    check_diagnostic_options(args)
    run_diagnostic(args)
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    from pipeline.app.coverage import run_coverage

    run_coverage(args)
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    from pipeline.store import connection as store

    con = store.connect(read_only=True)
    try:
        frame = con.execute("SELECT source, vintage, row_count, origin, loaded_at FROM sources ORDER BY 1, 2").df()
    finally:
        con.close()
    print(frame.to_string(index=False))
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


class FrenchArgumentParser(argparse.ArgumentParser):
    """argparse whose usage errors are in French (« erreur : » instead of « error: »)."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("argument ") and ": " in message:
            name, _, detail = message[len("argument "):].partition(": ")
            message = f"option {name} : {detail}"
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {message}\n")


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
                          description="Charge les sources (miroir ou téléchargement) dans data/processed/cpts.duckdb.")
    data.add_argument("--miroir", help=f"dossier miroir des données (sinon variable {config.MIRROR_ENV})")
    data.add_argument("--force", action="store_true", help="recharger même les sources inchangées")
    data.add_argument("--cpts", action="append", default=[], metavar="CHEMIN",
                      help="liste de CPTS à charger (CSV ou GeoJSON) ; peut être répété")
    data.add_argument("--registre", metavar="CHEMIN", default=os.environ.get(config.REGISTRY_ENV),
                      help=f"extraction Annuaire Santé (sinon variable {config.REGISTRY_ENV})")
    data.add_argument("--savoir-faire", dest="savoir_faire", metavar="CHEMIN",
                      help="fichier savoir-faire séparé de l'extraction Annuaire Santé")
    data.add_argument("--finess", metavar="CHEMIN", default=os.environ.get(config.FINESS_ENV),
                      help=f"extraction FINESS (sinon variable {config.FINESS_ENV})")
    data.add_argument("--sans-demo", dest="sans_demo", action="store_true",
                      help="ne pas générer de données d'offre fictives de démonstration quand aucun registre "
                      "réel n'est fourni")
    data.set_defaults(func=cmd_data)

    terr = sub.add_parser("territoire", help="résoudre un territoire et lister ses communes")
    terr.add_argument("territoire", help="ex. communes:04070,04001 | epci:SIREN | bv:CODE | departement:04 | "
                      "region:93 | cpts:NOM | cpts:LISTE:NOM | fichier:CHEMIN")
    terr.set_defaults(func=cmd_territoire)

    diag = sub.add_parser("diagnostic", help="diagnostic territorial d'une CPTS (rapport, carte, tableaux)")
    diag.add_argument("territoire", help="spécification du territoire (voir « territoire »)")
    diag.add_argument("--signature", help="date de signature de l'ACI (AAAA-MM-JJ) pour le calendrier des missions")
    diag.add_argument("--adherents", metavar="CHEMIN", help="CSV des adhérents de la CPTS (profession, RPPS)")
    diag.add_argument("--ajout", help="simulation : « médecins généralistes:2@04070;infirmiers:-1@04001 »")
    diag.add_argument("--flux", metavar="CHEMIN", help="table origine-destination réelle (remplace le modèle)")
    diag.set_defaults(func=cmd_diagnostic)

    cov = sub.add_parser("couverture", help="couverture d'une zone par les CPTS (chevauchements, zones blanches)")
    zone = cov.add_mutually_exclusive_group(required=True)
    zone.add_argument("--region", help="code région (ex. 93)")
    zone.add_argument("--departement", help="code département (ex. 04)")
    zone.add_argument("--france", action="store_true", help="toute la France")
    cov.add_argument("--seuil", type=positive_population, default=20000,
                     help="population minimale d'un périmètre proposé (entier strictement positif)")
    cov.set_defaults(func=cmd_coverage)

    src = sub.add_parser("sources", help="lister les sources chargées et leur provenance")
    src.set_defaults(func=cmd_sources)
    for sub_parser in (data, terr, diag, cov, src):
        sub_parser.formatter_class = FrenchHelpFormatter
        _french(sub_parser)
    return _french(parser)


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a CI timeout) turned into an interruption, so that open transactions roll back."""

    signum = signal.SIGTERM


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


KEPT = ("Aucune source n'est à moitié chargée (une transaction par source) et les sorties précédentes sont "
        "intactes.")

#: OS errors that are about the machine (disk, rights), not about the program: no traceback for them.
ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code.

    Exit codes: 0 success; 2 bad input (:class:`PipelineError`); 3 database
    held by another run; 1 system error (disk full, permission) or an
    unexpected error; 130/143 interrupted by SIGINT/SIGTERM.

    Bad input and system errors print one French line, without traceback. An
    unexpected exception is a bug of the pipeline: it prints a French header
    (what happened, that no source is half-loaded, what to report) *and* the
    traceback, which is what a maintainer needs to fix it; hiding it would
    turn every bug report into guesswork.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return int(args.func(args))
    except PipelineError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        print("Interrompu : la base reste dans son état précédent.", file=sys.stderr)
        return 128 + int(getattr(exc, "signum", signal.SIGINT))
    except OSError as exc:
        if exc.errno not in ENVIRONMENT_ERRNOS:
            return _unexpected(exc)
        where = f" (fichier {exc.filename})" if exc.filename else ""
        print(f"Erreur système : {french_os_error(exc)}{where}. {KEPT}", file=sys.stderr)
        return 1
    except MemoryError:
        print(f"Erreur : mémoire insuffisante. {KEPT}", file=sys.stderr)
        return 1
    except Exception as exc:
        return _unexpected(exc)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _unexpected(exc: BaseException) -> int:
    print(
        f"Erreur inattendue ({type(exc).__name__}) : anomalie du programme, pas de vos données. {KEPT} "
        "Merci de signaler l'anomalie avec la commande lancée et le détail technique ci-dessous :",
        file=sys.stderr,
    )
    traceback.print_exception(exc, file=sys.stderr)
    return 1
