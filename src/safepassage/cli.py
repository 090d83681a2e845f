"""The `safepassage` console command.

    safepassage plan route|evacuation|siting ...   planning (no database needed)
    safepassage import places FILE --name-field NAME [...]
    safepassage import communities FILE [--source NAME]   CSV or GeoJSON: name, pcode, coordinates, population
    safepassage import incidents FILE [--map FIELD=COLUMN ...] [--set FIELD=VALUE ...] [--source NAME] [...]
    safepassage audit verify
    safepassage demo load
    safepassage serve [--host 127.0.0.1] [--port 8000] [--workers 2] [--threads 8]
    safepassage worker [--interval 1] [--once]    background jobs and the schedules
    safepassage jobs list [--kind K] [--status S] | jobs show ID [--follow]
    safepassage jobs run NAME [--days N] [--enqueue]   a scheduled job now, e.g. the retention purges
    safepassage <any Django management command>   e.g. migrate, createsuperuser
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepassage.settings")
    import django

    django.setup()


def _import_command(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="safepassage import", description="Import data into Safe Passage.")
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("places", help="areas or sites from a GeoJSON FeatureCollection")
    p.add_argument("file")
    p.add_argument("--name-field", required=True, help="property holding the (Latin) name")
    p.add_argument("--name-ar-field", help="property holding the Arabic name")
    p.add_argument("--id-field", help="property (or comma-separated properties) that identifies a feature "
                                      "across re-imports (default: the name)")
    p.add_argument("--merge-parts", action="store_true",
                   help="features sharing a key are parts of one place: join their geometries")
    p.add_argument("--pcode-field", help="property holding the P-code")
    p.add_argument("--site-type-field", help="property holding the site type (sites)")
    p.add_argument("--kind", choices=["area", "site"], help="default: from the geometry (points are sites)")
    p.add_argument("--source", help="dataset name recorded with each place (default: the file name)")
    c = sub.add_parser("communities", help="communities (name, pcode, lon/lat or geometry, population, "
                                           "population_date) from CSV or GeoJSON")
    c.add_argument("file")
    c.add_argument("--source", help="dataset name recorded with each figure (default: the file name)")
    i = sub.add_parser("incidents", help="incidents from GeoJSON or CSV, with a field mapping and a source")
    i.add_argument("file")
    i.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                   help="incident field from a column: id, title, description, category, time, time_earliest, "
                        "time_latest, location_precision_m, lon, lat, geometry (repeatable)")
    i.add_argument("--mapping", metavar="FILE.json", help='a mapping file: {"map": {...}, "set": {...}}')
    i.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                   help="a fixed value for every feature, e.g. category=damage_observed (repeatable)")
    i.add_argument("--source", help="the source of the whole file (default: the file name)")
    i.add_argument("--source-kind", default="agency",
                   help="agency, media, monitor, witness, party_statement or satellite_imagery")
    i.add_argument("--skip-invalid", action="store_true", help="import the valid features, report the others")
    i.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    i.add_argument("--json", action="store_true", help="print the report as one JSON object")
    args = parser.parse_args(argv)
    _django()
    if args.what == "incidents":
        from safepassage.incidents.cli import import_incidents_command

        return import_incidents_command(args)
    if args.what == "communities":
        from safepassage.agreements.cli import import_communities

        return import_communities(args.file, args.source or os.path.basename(args.file))
    from safepassage.core.errors import DomainError
    from safepassage.demo.loader import SYSTEM
    from safepassage.places import services

    mapping = services.FieldMapping(name_field=args.name_field, name_ar_field=args.name_ar_field,
                                    id_field=args.id_field, pcode_field=args.pcode_field,
                                    site_type_field=args.site_type_field, kind=args.kind,
                                    merge_parts=args.merge_parts)
    try:
        features = services.read_feature_collection(args.file)
        report = services.import_places(
            features=features, mapping=mapping, source=args.source or os.path.basename(args.file), by=SYSTEM,
            on_progress=lambda n, total: print(f"\r  {n}/{total} features", end="", file=sys.stderr))
    except DomainError as exc:
        print(f"error: {exc.reason}", file=sys.stderr)
        for e in exc.errors[:50]:
            print(f"  {e.field}: {e.reason}", file=sys.stderr)
        return 2
    print(file=sys.stderr)
    print(f"{report.total} features: {report.created} created, {report.updated} updated, "
          f"{report.unchanged} unchanged")
    return 0


def _audit_command(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="safepassage audit")
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("verify", help="recompute the hash chain and name the first broken entry")
    parser.parse_args(argv)
    _django()
    from safepassage.audit.services import verify_chain

    report = verify_chain()
    if report.ok:
        print(f"audit chain intact: {report.checked} entries verified")
        return 0
    print(f"audit chain BROKEN at entry #{report.first_broken_seq}: {report.reason} "
          f"({report.checked} entries verified before it)", file=sys.stderr)
    return 1


def _demo_command(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="safepassage demo")
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("load", help="load the illustrative Aleppo 2016 scenario (idempotent)")
    parser.parse_args(argv)
    _django()
    from safepassage.demo.loader import load_demo, totp_secrets

    creds = load_demo(log=lambda m: print(f"  {m}", file=sys.stderr))
    secrets = totp_secrets()
    print("Demo accounts (also in var/demo-credentials.txt; TOTP secret for an authenticator app):")
    for user, password in creds.items():
        print(f"  {user:12s} {password}" + (f"   TOTP {secrets[user]}" if user in secrets else ""))
    return 0


def _serve_command(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="safepassage serve",
        description="Serve with gunicorn (threaded workers). In production run it behind a reverse proxy.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    from gunicorn.app.wsgiapp import run

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepassage.settings")
    sys.argv = ["gunicorn", "--bind", f"{args.host}:{args.port}", "--workers", str(args.workers),
                "--threads", str(args.threads), "--worker-class", "gthread", "--access-logfile", "-",
                "safepassage.wsgi:application"]
    print(f"Safe Passage on http://{args.host}:{args.port}/", file=sys.stderr)
    run()
    return 0


def _worker_command(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="safepassage worker",
        description="Run the background jobs of the configured backend (SAFEPASSAGE_TASKS_BACKEND) and "
                    "enqueue the periodic jobs of SAFEPASSAGE_SCHEDULES at their hours.")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between rounds (default 1)")
    parser.add_argument("--once", action="store_true", help="one round: enqueue what is due, run what waits, exit")
    args = parser.parse_args(argv)
    _django()
    from django.conf import settings

    from safepassage.jobs.worker import serve

    if not args.once:
        print(f"Safe Passage worker ({settings.SAFEPASSAGE_TASKS_BACKEND} backend), "
              f"{len(settings.SAFEPASSAGE_SCHEDULES)} schedule(s)", file=sys.stderr)
    serve(interval=args.interval, once=args.once)
    return 0


def _print_job(job: dict) -> None:
    p = job["progress"]
    step = f" {p['done']}/{p['total']}" if p["total"] else ""
    print(f"job #{job['id']} {job['kind']}: {job['status']}{step}{' - ' + p['message'] if p['message'] else ''}")


def _jobs_command(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="safepassage jobs", description="Background jobs and their progress.")
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("list", help="the latest jobs, newest first")
    p.add_argument("--kind")
    p.add_argument("--status", choices=["queued", "running", "succeeded", "failed"])
    p.add_argument("--limit", type=int, default=20)
    p = sub.add_parser("show", help="one job: progress, then its result or why it failed")
    p.add_argument("id", type=int)
    p.add_argument("--follow", action="store_true", help="print its progress until it finishes")
    p = sub.add_parser("run", help="run a job of SAFEPASSAGE_SCHEDULES now (e.g. medevac_purge, account_purge)")
    p.add_argument("name")
    p.add_argument("--days", type=int, help="a purge's retention period in days (default: its setting)")
    p.add_argument("--enqueue", action="store_true", help="hand it to the worker instead of running it here")
    args = parser.parse_args(argv)
    _django()
    import json
    import time

    from safepassage.core.errors import DomainError, NotFound
    from safepassage.jobs import schedules, selectors

    if args.what == "list":
        for job in selectors.jobs(kind=args.kind, status=args.status)[: args.limit]:
            row = selectors.job_read(job)
            print(f"{row['id']:>6}  {row['status']:9s}  {row['kind']:20s}  {row['created_at']:%Y-%m-%d %H:%M:%S}Z"
                  f"  {row['progress']['message'] or row['error']}")
        return 0
    try:
        if args.what == "run":
            extra = {} if args.days is None else {"days": args.days}
            args.id = schedules.run_now(args.name, enqueue=args.enqueue, **extra).pk
        job = selectors.job_read(selectors.job(args.id))
        while getattr(args, "follow", False) and job["status"] in ("queued", "running"):
            _print_job(job)
            time.sleep(1)
            job = selectors.job_read(selectors.job(args.id))
    except (NotFound, DomainError) as exc:
        print(f"error: {exc.reason}", file=sys.stderr)
        return 2
    _print_job(job)
    if job["status"] == "failed":
        print(f"failed: {job['error']}")
        return 1
    if job["result"] is not None:
        print(json.dumps(job["result"], indent=2, ensure_ascii=False))
    return 0


COMMANDS = {"import": _import_command, "audit": _audit_command, "demo": _demo_command, "serve": _serve_command,
            "worker": _worker_command, "jobs": _jobs_command}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "plan":
        from safepassage.planning.cli import main as plan_main

        return plan_main(argv[1:], prog="safepassage plan")
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        if not argv:
            return 0
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["safepassage", *argv])
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
