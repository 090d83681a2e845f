"""WSGI entry point (gunicorn safepassage.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from safepassage.core.groupcommit import writers_first

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepassage.settings")
_django = get_wsgi_application()

from safepassage.crossings.lane import CountLane  # noqa: E402 - needs the apps loaded above

# Plain single count submissions are answered by the intake lane, everything else by Django.
_served = CountLane(_django)


def application(environ, start_response):
    writers_first.wait()  # a group-commit leader of this process holding the write turn goes first
    return _served(environ, start_response)


# Garbage collection, tuned for a server process (measured with benchmarks/bench_ingest.py):
# - load the URLconf (and with it every app's API, schemas and views) now rather than on the first
#   request, then freeze everything loaded so far: full collections no longer walk those ~170,000
#   long-lived objects, which paused every request thread of the process for 60-70 ms each time;
# - collect the young generation every 10,000 net allocations instead of 700: a request's garbage
#   is mostly freed by reference counting anyway, and fewer collections promote less of it.
get_resolver()._populate()
gc.collect()
gc.freeze()
gc.set_threshold(10_000, 10, 10)
