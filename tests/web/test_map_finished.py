"""The map, finished (issue #17 item 8): hours, the shared moment, pause labels, areas in pauses, party names."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from safepassage.corridors import services as corridor_services
from safepassage.pauses.models import PauseStatus
from safepassage.web.views import js_strings
from tests.conftest import LINE, SYSTEM

pytestmark = pytest.mark.django_db
STATIC_CSS = Path(__file__).resolve().parents[2] / "src/safepassage/web/static/web/app.css"

NOON = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # 12:00 in Damascus
NIGHT = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # 22:00 in Damascus


def drawn(actors, at: datetime) -> dict[str, tuple[str, str, bool]]:
    """Corridor name -> (status, drawn_as, open_now) on the map at `at`."""
    body = actors["public"].get("/api/map/layers", at=at.isoformat()).json()
    return {f["properties"]["name"]: (f["properties"]["status"], f["properties"]["drawn_as"],
                                      f["properties"]["open_now"]) for f in body["corridors"]["features"]}


def test_an_open_corridor_outside_its_hours_is_not_drawn_open(actors):
    c = corridor_services.create_corridor(name="Day corridor", geometry=LINE, direction="out",
                                          eligible_groups=["civilians"], opens_at=time(8), closes_at=time(17),
                                          by=SYSTEM, at=datetime(2026, 3, 1, tzinfo=UTC))
    corridor_services.set_corridor_status(corridor_id=c.pk, status="open", reason="agreed", by=SYSTEM,
                                          at=datetime(2026, 3, 1, 1, tzinfo=UTC))
    assert drawn(actors, NOON)["Day corridor"] == ("open", "open", True)
    assert drawn(actors, NIGHT)["Day corridor"] == ("open", "outside_hours", False)


def _luminance(hex_colour: str) -> float:
    """WCAG relative luminance of #rgb or #rrggbb."""
    h = hex_colour.lstrip("#")
    h = "".join(c * 2 for c in h) if len(h) == 3 else h
    lin = [(v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4) for v in (int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _badge_background(css: str, status: str) -> str:
    """The background colour app.css gives `.badge.<status>`."""
    return re.search(rf"\.badge\.{status}\b[^{{]*\{{\s*background:\s*(#[0-9a-fA-F]{{3,6}})", css).group(1)


@pytest.mark.parametrize("status", [*PauseStatus.values, "open", "outside_hours", "suspended", "closed"])
def test_status_labels_are_words_in_legible_badges(status):
    with translation.override("ar"):
        label = js_strings()[status]
    assert label and label != status  # a word from the catalogue, not the code
    white, background = 1.0, _luminance(_badge_background(STATIC_CSS.read_text(), status))
    assert (white + 0.05) / (background + 0.05) >= 4.5  # WCAG AA for normal text


def test_the_pause_form_offers_areas_and_the_api_takes_them(actors, area, parties):
    client = Client()
    client.force_login(actors["coordinator"].principal.user)
    assert 'name="place_ids"' in client.get("/").content.decode()
    created = actors["coordinator"].post("/api/pauses", {
        "title": "Pause over an area", "starts_at": "2026-03-02T06:00:00Z", "ends_at": "2026-03-02T14:00:00Z",
        "place_ids": [area.pk], "party_ids": [parties["A"].pk]})
    assert created.status_code == 201, created.content
    assert created.json()["place_ids"] == [area.pk] and created.json()["corridor_ids"] == []


def test_a_party_goes_by_its_short_name_in_letters(actors, parties):
    from safepassage.deconfliction.letter import render_html
    from safepassage.deconfliction.models import Notification
    from tests.deconfliction.test_exports import evacuation

    n = evacuation(actors["coordinator"], parties)
    letter = render_html(Notification.objects.get(pk=n["id"]))
    assert "Party A" in letter and "Party B" in letter and "full name" not in letter
