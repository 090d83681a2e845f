"""`safepassage import communities FILE [--source NAME]`."""

from __future__ import annotations

import sys


def import_communities(path: str, source: str) -> int:
    """Import communities from a CSV or GeoJSON file; print the counts, or every reason it was refused."""
    from safepassage.agreements import services
    from safepassage.core.errors import DomainError
    from safepassage.demo.loader import SYSTEM

    try:
        report = services.import_communities(records=services.read_community_file(path), source=source, by=SYSTEM)
    except DomainError as exc:
        print(f"error: {exc.reason}", file=sys.stderr)
        for e in exc.errors[:50]:
            print(f"  {e.field}: {e.reason}", file=sys.stderr)
        return 2
    print(f"{report.total} communities: {report.created} created, {report.updated} updated, "
          f"{report.unchanged} unchanged")
    return 0
