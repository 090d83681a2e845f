"""A WSGI application for the server tests: answers with the client's port; `/sleep?s=0.3` waits first."""

import time
from urllib.parse import parse_qs


def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/fail":
        raise RuntimeError("the probe application fails on purpose")
    if path == "/sleep":
        time.sleep(float(parse_qs(environ["QUERY_STRING"]).get("s", ["0.3"])[0]))
    body = environ.get("wsgi.input").read()
    out = f"{environ['REMOTE_PORT']} {len(body)}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(out)))])
    return [out]
