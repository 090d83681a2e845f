"""`safepassage import incidents`: the importer's command line, the report on stdout, progress on stderr."""

from __future__ import annotations

import json
import os
import sys

from safepassage.core.errors import DomainError


def import_incidents_command(args) -> int:
    """Run one import; exit 0 when stored (or a clean dry run), 1 when invalid features refused it, 2 on error."""
    from safepassage.demo.loader import SYSTEM
    from safepassage.incidents import importer

    def progress(n: int, total: int) -> None:
        print(f"\r  {n}/{total} features", end="", file=sys.stderr)

    try:
        mapping = importer.Mapping.parse(args.map, args.set, args.mapping)
        features = importer.read_features(args.file)
        report = importer.import_incidents(
            features=features, mapping=mapping, source=args.source or os.path.basename(args.file),
            file_name=os.path.basename(args.file), by=SYSTEM, source_kind=args.source_kind,
            skip_invalid=args.skip_invalid, dry_run=args.dry_run, on_progress=progress)
    except DomainError as exc:
        print(f"error: {exc.reason}", file=sys.stderr)
        return 2
    print(file=sys.stderr)
    refused = bool(report.invalid) and not args.skip_invalid
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        for bad in report.invalid[:50]:
            print(f"  feature {bad['index']}: {bad['reason']}", file=sys.stderr)
        print(f"{report.features} features: {report.created} created, {report.updated} updated, "
              f"{report.unchanged} unchanged, {len(report.invalid)} invalid"
              f"{' (dry run: nothing written)' if args.dry_run else ''}")
        if refused:
            print("nothing imported: fix the invalid features or use --skip-invalid", file=sys.stderr)
    return 1 if refused else 0
