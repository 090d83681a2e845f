"""A field client for the kill -9 replay test: submits JSON lines from stdin, prints each UUID once stored.

Run as a separate process against a real database (`DATABASE_URL`); the test kills it mid-stream.
"""

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepassage.settings")
    import django

    django.setup()
    from datetime import datetime

    from safepassage.core.permissions import Role
    from safepassage.core.principal import Principal
    from safepassage.crossings import services

    by = Principal(user=None, role=Role.ADMIN, via="replay")
    for line in sys.stdin:
        sub = json.loads(line)
        sub["bucket_start"] = datetime.fromisoformat(sub["bucket_start"])
        result = services.submit_crossing_count(**sub, by=by)
        # acknowledged only after the transaction committed
        print(("dup " if result.duplicate else "new ") + str(result.count.client_uuid), flush=True)


if __name__ == "__main__":
    main()
