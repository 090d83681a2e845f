"""The Content-Security-Policy on every page, and stored text escaped where HTML is built on the server."""

import pytest

from safepassage.accounts.models import User

pytestmark = pytest.mark.django_db

PAYLOAD = '<img src=x onerror="window.__xss=1">'


def _directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.mark.parametrize("path", ["/", "/login/", "/dashboard/", "/convoys/board/", "/claims/", "/audit/",
                                  "/jobs/", "/api/map/layers"])
def test_every_answer_carries_a_strict_policy(client, actors, path):
    client.force_login(User.objects.get(username="u_coordinator"))
    csp = _directives(client.get(path))
    assert csp["script-src"] == "'self'"  # no inline script, no eval, no other origin
    assert csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert csp["base-uri"] == "'self'" and csp["form-action"] == "'self'" and csp["default-src"] == "'self'"
    assert not any("unsafe" in value for value in csp.values())


def test_pages_have_no_inline_script_or_handler(client, actors):
    """Only <script src> from our static files and json_script data blocks: the policy would block the rest."""
    import re

    client.force_login(User.objects.get(username="u_coordinator"))
    for path in ("/", "/dashboard/", "/convoys/board/", "/claims/", "/audit/", "/jobs/", "/login/", "/agreements/",
                 "/incidents/", "/account/tokens/"):
        html = client.get(path).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert 'src="/static/' in tag or 'type="application/json"' in tag, f"{path}: {tag}"
        assert not re.search(r"\son[a-z]+\s*=", html), f"{path}: an inline event handler"
        assert "<style" not in html and not re.search(r"\sstyle\s*=", html), f"{path}: an inline style"


def test_notification_letter_escapes_stored_text(coordinator, parties):
    """The printable letter is HTML built from stored text (then a PDF): the text is escaped, the SVG is not."""
    from datetime import timedelta

    from safepassage.core.timeutil import now
    from safepassage.deconfliction import letter
    from safepassage.deconfliction.models import Notification
    from tests.conftest import LINE

    start = now() + timedelta(days=2)
    r = coordinator.post("/api/notifications", {
        "kind": "evacuation", "title": PAYLOAD, "title_ar": PAYLOAD, "who": PAYLOAD, "description": PAYLOAD,
        "geometry": LINE, "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=3)).isoformat(),
        "deadline": (start - timedelta(hours=24)).isoformat(), "party_ids": [p.pk for p in parties.values()]})
    assert r.status_code == 201, r.content
    html = letter.render_html(Notification.objects.get(pk=r.json()["id"]))
    assert PAYLOAD not in html and "&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;" in html
    assert "<svg " in html and "<polyline " in html  # the route drawing itself is markup
