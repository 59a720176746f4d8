"""Command-line interface: ``python -m pipeline <commande>`` (help in French)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from pipeline import __version__, config
from pipeline.errors import PipelineError


def _mirror(args: argparse.Namespace) -> Path | None:
    if getattr(args, "miroir", None):
        return Path(args.miroir).expanduser().resolve()
    return config.mirror_dir()


def cmd_data(args: argparse.Namespace) -> int:
    from pipeline import ingest

    start = time.perf_counter()
    mirror = _mirror(args)
    print(f"Sources : {'miroir ' + str(mirror) if mirror else 'téléchargement depuis les sources officielles'}")
    from pipeline.registries import registry_steps

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
    from pipeline import store

    con = store.connect(read_only=True)
    try:
        n, pop = con.execute(
            "SELECT count(*), sum(population) FROM communes WHERE vintage = ? AND type = 'commune-actuelle'",
            [config.CURRENT_VINTAGE],
        ).fetchone() or (0, 0)
    finally:
        con.close()
    print(f"\n{config.CURRENT_VINTAGE} : {n:,} communes actuelles, {int(pop or 0):,} habitants".replace(",", " "))
    print(f"Terminé en {time.perf_counter() - start:.1f} s — base : {config.db_path()}")
    return 0


def cmd_territoire(args: argparse.Namespace) -> int:
    from pipeline import store
    from pipeline.territory import resolve_territory

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


def cmd_diagnostic(args: argparse.Namespace) -> int:
    from pipeline.diagnostic import run_diagnostic

    run_diagnostic(args)
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    from pipeline.coverage_run import run_coverage

    run_coverage(args)
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    from pipeline import store

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
                      "region:93 | cpts:NOM | fichier:CHEMIN")
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
    cov.add_argument("--seuil", type=int, default=20000, help="population minimale d'un périmètre proposé")
    cov.set_defaults(func=cmd_coverage)

    src = sub.add_parser("sources", help="lister les sources chargées et leur provenance")
    src.set_defaults(func=cmd_sources)
    for sub_parser in (data, terr, diag, cov, src):
        sub_parser.formatter_class = FrenchHelpFormatter
        _french(sub_parser)
    return _french(parser)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except PipelineError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Interrompu : la base reste dans son état précédent.", file=sys.stderr)
        return 130
