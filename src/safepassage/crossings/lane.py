"""The count intake's lane: plain single submissions answered without the framework's per-request work.

`POST /api/crossings/counts` is the hot route: every checkpoint device sends each count on its own,
thousands a minute after a network cut. Through Django and ninja a submission cost about 0.5 ms of
CPU in the request (the request and response objects, nine middlewares, URL resolving twice, the
operation's checks) on top of the count's own work, about a third of the server's CPU per submission
under load (benchmarks/bench_ingest.py, RESULTS.md).

This WSGI layer answers the plain case itself, with the route's own parts: the same request schema
(`CrossingCountCreate`), the same deferred token check (`TokenClaim`, settled in the group commit
with the batch's reads), the same service (`crossings.api.submit_one`) and the same response schema
(`CrossingCountRead`) and renderer, with the headers the middleware would add. The plain case is:
`POST` to exactly that path with no query string, a JSON body of a known length within the upload
limit, `Authorization: Bearer <token>`, a Host header naming an allowed host, no cookie and no Accept-Language (so no
session, CSRF or language negotiation is involved), and an answer of "stored" (201) or "duplicate"
(200).

Everything else goes to the framework, unchanged: a request that is not plain, or whose body does
not parse or validate (nothing was tried yet; the framework parses it again and says why). A
submission that was tried and failed (a refused token, a conflicting resubmission, an unknown
checkpoint, a database error) is not tried again: the framework gets the request with the failure
(`LANE_FAILURE` in the WSGI environ, which no client can set), and the route raises it, so that the
API's own error handling answers it exactly as when the route itself failed (a deferred token is
still settled first: 401/403 before anything about the input). tests/crossings/test_lane.py checks
that both paths give the same status, headers and body for each case, and that each submission is
tried once.

The lane switches itself off (everything goes to the framework) when the settings change what the
middleware adds to an API answer: a different middleware list, HTTPS redirects or HSTS, a proxy's
scheme or host header, a "www." redirect, blocked user agents; or a transaction per request
(ATOMIC_REQUESTS). `SAFEPASSAGE_INTAKE_LANE=off` switches it off too.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core import signals
from django.http.request import split_domain_port, validate_host
from django.utils.translation import get_supported_language_variant

from safepassage.api import api
from safepassage.core.api import bearer_token
from safepassage.core.principal import TokenClaim
from safepassage.crossings.api import LANE_FAILURE, SUBMIT_PERM, submit_one
from safepassage.crossings.schemas import CrossingCountCreate, CrossingCountRead

PATH = "/api/crossings/counts"

# The middleware list the lane's headers were written for; see `_answer_headers`. A copy of
# safepassage.settings.MIDDLEWARE on purpose: a change there switches the lane off until its answer
# is compared with Django's again (tests/crossings/test_lane.py) and this copy updated.
EXPECTED_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "safepassage.core.middleware.PageMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "safepassage.accounts.middleware.SecondFactorRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
)

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


class Fallback(Exception):
    """The request is not the lane's plain case: the framework answers it."""


def lane_enabled() -> bool:
    """Whether the lane is on (SAFEPASSAGE_INTAKE_LANE) and the settings leave an API answer as the lane
    writes it (`_answer_headers`; no redirect, no request-wide transaction)."""
    return (settings.SAFEPASSAGE_INTAKE_LANE and tuple(settings.MIDDLEWARE) == EXPECTED_MIDDLEWARE
            and not settings.SECURE_SSL_REDIRECT and not settings.SECURE_HSTS_SECONDS
            and not settings.SECURE_PROXY_SSL_HEADER and not settings.USE_X_FORWARDED_HOST
            and not settings.PREPEND_WWW and not settings.DISALLOWED_USER_AGENTS and settings.USE_I18N
            and not any(db.get("ATOMIC_REQUESTS") for db in settings.DATABASES.values()))


def _answer_headers() -> list[tuple[str, str]]:
    """The headers the middleware adds to this route's answer, given no cookie and no Accept-Language.

    Each value as its middleware writes it. LocaleMiddleware: the default language (as supported),
    and Vary on Accept-Language; SecurityMiddleware: nosniff, the referrer and opener policies;
    XFrameOptionsMiddleware: the frame policy. The session, CSRF, common and message middlewares
    add nothing to such an answer.
    """
    headers = [("X-Frame-Options", settings.X_FRAME_OPTIONS.upper()), ("Vary", "Accept-Language"),
               ("Content-Language", get_supported_language_variant(settings.LANGUAGE_CODE))]
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    policy = settings.SECURE_REFERRER_POLICY
    if policy:
        values = policy.split(",") if isinstance(policy, str) else policy
        headers.append(("Referrer-Policy", ",".join(v.strip() for v in values)))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    return headers


_REASONS = {200: "200 OK", 201: "201 Created"}


class CountLane:
    """WSGI middleware: plain single count submissions here, everything else to `framework`."""

    def __init__(self, framework: WsgiApp):
        self.framework = framework
        self.enabled = lane_enabled()
        self.answered = 0  # submissions this lane answered itself (tests, diagnostics)
        self._headers = _answer_headers()
        self._submit, self._perm, self._renderer = submit_one, SUBMIT_PERM, api.renderer
        self._create, self._read = CrossingCountCreate, CrossingCountRead

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not (self.enabled and environ.get("PATH_INFO") == PATH and environ.get("REQUEST_METHOD") == "POST"):
            return self.framework(environ, start_response)
        try:
            token, length = self._plain(environ)
            body = environ["wsgi.input"].read(length)
        except Exception:  # noqa: BLE001 - not plain, or the body could not be read: the framework says why
            return self.framework(environ, start_response)
        payload = failed = None
        signals.request_started.send(sender=self.__class__, environ=environ)  # as Django: connection hygiene
        try:
            try:
                payload = self._payload(body)
            except Exception:  # noqa: BLE001 - invalid input: the framework parses it again and says why
                pass
            if payload is not None:
                try:
                    status, content = self._store(payload, token)
                except Exception as exc:  # noqa: BLE001 - handed to the framework's answer, see LANE_FAILURE
                    failed = exc
        finally:
            signals.request_finished.send(sender=self.__class__)
        if payload is None or failed is not None:
            again = {**environ, "wsgi.input": io.BytesIO(body)}
            if failed is not None:
                again[LANE_FAILURE] = failed
            return self.framework(again, start_response)
        self.answered += 1
        start_response(_REASONS[status], [("Content-Type", "application/json; charset=utf-8"),
                                          ("Content-Length", str(len(content))), *self._headers])
        return [content]

    @staticmethod
    def _plain(environ: dict) -> tuple[str, int]:
        """The bearer token and body length of a plain request; `Fallback` for anything else."""
        get = environ.get
        if get("QUERY_STRING") or get("HTTP_COOKIE") or get("HTTP_ACCEPT_LANGUAGE"):
            raise Fallback
        if not (get("CONTENT_TYPE") or "").lower().startswith("application/json"):
            raise Fallback
        try:
            length = int(get("CONTENT_LENGTH") or "")
        except ValueError:
            raise Fallback from None
        if not 0 < length <= (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or length):
            raise Fallback
        token = bearer_token(get("HTTP_AUTHORIZATION") or "")  # as the route's authentication reads it
        if token is None:
            raise Fallback
        # Django reads the Host header whenever there is one, empty or not; without one, leave it to Django.
        domain, _port = split_domain_port(get("HTTP_HOST") or "")
        if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
            raise Fallback
        return token, length

    def _payload(self, body: bytes):
        """The body validated by the route's request schema (ninja parses it with `json.loads` too)."""
        data = json.loads(body)
        if type(data) is not dict:
            raise Fallback
        return self._create.model_validate(data)

    def _store(self, payload, token: str) -> tuple[int, bytes]:
        """Submit and render as the route does: (status, JSON body)."""
        status, answer = self._submit(payload, TokenClaim(token, self._perm))
        # as ninja answers: validated by the response schema, dumped, then the API's renderer
        rendered = self._read.model_validate(answer).model_dump()
        return status, self._renderer.render(None, rendered, response_status=status).encode()
