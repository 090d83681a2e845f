"""Arabic pages say nothing in English: every page of every role's menu on the demo day, read as text.

What may stay in Latin letters is named here precisely: text inside left-to-right islands (`dir="ltr"`, or the
Unicode isolates U+2066…U+2069 inside a select's options), language names in their own language (`lang`),
record identifiers (case numbers, convoy references, hashes, P-codes), the names of standards and commands,
and data people entered (free-text fields of the records, and names that have no Arabic form).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import models
from django.test import Client

pytestmark = pytest.mark.django_db

SKIPPED_TAGS = {"script", "style", "template", "noscript"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
ISOLATE = re.compile("\u2066[^\u2069]*\u2069")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
CODE = re.compile(r"[a-z_]+")  # a stored code (status, unit, item), which the pages must translate: never data
# record identifiers (and an authenticator secret) and machine text that are never translated
IDENTIFIERS = re.compile(r"\bMV-[0-9A-F]{8}\b|\b[A-Z2-7]{32}\b|\bCV-\d{8}-[0-9A-F]{6}\b|\b[0-9a-f]{12,}\b|\bSY\d{2,}\b"
                         r"|\S+@\S+\.\w+|https?://\S+")
# names of standards, formats, programs and cited sources, kept as their owners write them
PROPER = ("Columbia Center for Spatial Research", "Conflict Urbanism: Aleppo", "safepassage token issue", "GeoJSON",
          "LineString", "UTC", "CAP", "PDF", "CSV", "XLSX", "SHA-256", "MIT", "API", "ODK Collect", "OpenRosa",
          "KoboToolbox", "GeoNames", "SAFEPASSAGE_ROAD_NETWORK", "OpenStreetMap", ".osm.pbf", "Ctrl")
ROLES = ("coordinator", "liaison_a", "medical", "field", "monitor", "verifier", "partner", None)


class VisibleText(HTMLParser):
    """The text a reader sees, outside scripts, styles, left-to-right islands and text in another language."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: whether its text is left out of the check
        self.chunks: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        a = dict(attrs)
        hidden = tag in SKIPPED_TAGS or a.get("dir") == "ltr" or a.get("lang") not in (None, "ar")
        self.stack.append(hidden or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]) and data.strip():
            self.chunks.append(" ".join(ISOLATE.sub(" ", data).split()))


def entered_data() -> list[str]:
    """Every free-text value of the records (no choice codes); names only when there is no Arabic name."""
    values: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith("safepassage") or model._meta.app_label == "audit":
            continue
        fields = [f.name for f in model._meta.concrete_fields
                  if isinstance(f, models.CharField | models.TextField) and not f.choices]
        has_ar = "name_ar" in fields
        for row in model.objects.values(*fields, *(["name_ar"] if has_ar else [])):
            for key, value in row.items():
                if key in ("name", "short_name") and has_ar and row["name_ar"]:
                    continue
                if isinstance(value, str) and LATIN_WORD.search(value) and not CODE.fullmatch(value):
                    values.add(value.strip())
    return sorted(values)


def leftover_english(chunks: set[str], data: list[str]) -> list[str]:
    found = []
    for chunk in sorted(chunks):
        if not LATIN_WORD.search(chunk):
            continue
        rest = chunk  # stored text first: it may hold an identifier (an incident titled by its convoy)
        for value in sorted((*data, *PROPER), key=len, reverse=True):
            if value in rest:
                rest = rest.replace(value, " ")
        rest = IDENTIFIERS.sub(" ", rest)
        if LATIN_WORD.search(rest):
            found.append(chunk)
    return found


def visible_chunks(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.chunks


@pytest.fixture
def demo_day(db, settings, tmp_path, monkeypatch):
    """The demo with the convoy board looking at the morning of 20 October 2016 (the demo's day)."""
    settings.DATA_DIR = tmp_path
    from safepassage.convoys import views as convoy_views
    from safepassage.demo.day import at
    from safepassage.demo.loader import load_demo

    load_demo(log=lambda m: None, damage_sample=0)
    monkeypatch.setattr(convoy_views, "now", lambda: at(9, 0))


def pages() -> list[str]:
    from safepassage.convoys.models import Convoy
    from safepassage.deconfliction.models import Notification
    from safepassage.servicepoints.models import ServicePoint
    from safepassage.web.menu import MENU

    return ([e.url for e in MENU]
            + [f"/convoys/notifications/{pk}/" for pk in Notification.objects.filter(convoy__isnull=False)
               .values_list("pk", flat=True)]
            + [f"/servicepoints/{pk}/" for pk in ServicePoint.objects.values_list("pk", flat=True)]
            + [f"/convoys/{pk}/positions/" for pk in Convoy.objects.values_list("pk", flat=True)])


def arabic_client(settings, username: str | None) -> Client:
    from safepassage.accounts.models import User

    client = Client()
    if username:
        client.force_login(User.objects.get(username=username))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    return client


def test_every_page_of_every_role_is_in_arabic(demo_day, settings):
    data = entered_data()
    findings, opened = [], 0
    for username in ROLES:
        client = arabic_client(settings, username)
        for url in pages():
            r = client.get(url)
            if r.status_code != 200:
                continue
            opened += 1
            html = r.content.decode()
            assert 'dir="rtl"' in html
            findings += [f"{username or 'public'} {url}: {c[:120]}"
                         for c in leftover_english(set(visible_chunks(html)), data)]
    assert opened > 60
    assert not findings, "\n".join(sorted(set(findings)))


def test_the_scan_finds_english_it_is_not_told_about(demo_day, settings):
    """The check itself: an untranslated status or a party's English short name is reported; an island is not."""
    data = entered_data()
    assert "Party A" not in data  # parties have Arabic names: their English names are not data on Arabic pages
    html = ('<p>الحالة: planned</p><p>Party A</p><p><bdi dir="ltr">36.20000, 37.15000</bdi> MV-0A358DF8</p>'
            '<option>\u206608:00–17:00\u2069</option><option lang="en">English</option>')
    assert leftover_english(set(visible_chunks(html)), data) == ["Party A", "الحالة: planned"]


def test_an_october_date_uses_the_levantine_month(demo_day, settings):
    page = arabic_client(settings, "monitor").get("/claims/").content.decode()
    assert "تشرين الأول" in page and "أكتوبر" not in page
    from django.utils import formats, translation

    from safepassage.demo.day import at

    with translation.override("ar"):
        assert formats.date_format(at(9), "j F Y") == "20 تشرين الأول 2016"
        assert formats.date_format(at(9), "j N Y") == "20 تشرين الأول 2016"
        assert formats.date_format(at(9), "j M Y") == "20 تشرين الأول 2016"
        assert formats.number_format(1500.5, 1, force_grouping=True) == "1,500.5"  # Western digits, as the forms
    with translation.override("fr"):
        assert formats.date_format(at(9), "j F Y") == "20 octobre 2016"


def test_the_board_names_corridors_places_and_parties_in_arabic(demo_day, settings):
    page = arabic_client(settings, "coordinator").get("/convoys/board/").content.decode()
    assert "طريق الشيخ سعيد للشحنات الإنسانية" in page and "Sheikh Sa'eed cargo route" not in page
    assert "حكومة الجمهورية العربية السورية والقوات الحليفة" in page  # a party's answer, by its Arabic name
    assert "<bdi dir=\"ltr\">2016-10-20 " in page  # departure → arrival, an island
    english = arabic_client(settings, "coordinator")
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Party A" in english.get("/convoys/board/").content.decode()  # English pages keep the short names


def test_the_letter_speaks_arabic_in_its_arabic_half(demo_day):
    from safepassage.deconfliction.letter import render_html
    from safepassage.deconfliction.models import Notification

    n = Notification.objects.filter(convoy__isnull=False).order_by("pk").first()
    arabic = render_html(n).split('<section class="ar"', 1)[1]
    assert "حكومة الجمهورية العربية السورية والقوات الحليفة" in arabic and "Party A" not in arabic
    assert f"عبر {n.convoy.corridor.name_ar}" in arabic and "الحمولة: " in arabic
    assert re.search(r'المسار من <span class="ltr" dir="ltr">\d+\.\d{5}, \d+\.\d{5}</span>', arabic)


def test_the_dashboard_figures_come_with_arabic_names_and_warnings(demo_day, settings):
    from safepassage.demo.day import at

    client = arabic_client(settings, "coordinator")
    data = client.get("/api/crossings/dashboard", {"day": "2016-10-20"}).json()
    assert {r["corridor_ar"] for r in data["crossings"]["rows"]} >= {"ممر طريق الكاستيلو"}
    assert all(x["corridor_ar"] for x in data["exits"])
    r = client.get("/api/servicepoints/exits", {"at": at(20).isoformat()})
    warnings = [w for x in r.json() for w in x["warnings"]]
    assert warnings and not [w for w in warnings if re.search(r"\b(arrivals|stock|days left)\b", w)], warnings


def test_localized_name_falls_back_to_the_name(db):
    from django.utils import translation

    from safepassage.core.i18n import localized_name, ltr

    class Party:
        short_name, name, name_ar = "Party A", "Party A full name", "الطرف أ"

    with translation.override("ar"):
        assert localized_name(Party()) == "الطرف أ"
        assert localized_name({"corridor": "Hanano exit", "corridor_ar": ""}, "corridor") == "Hanano exit"
        assert str(ltr("08:00–17:00")) == '<bdi dir="ltr">08:00–17:00</bdi>'
        assert str(ltr("<b>")) == '<bdi dir="ltr">&lt;b&gt;</bdi>'
    with translation.override("fr"):
        assert localized_name(Party()) == "Party A"
        assert localized_name({"corridor": "Hanano exit", "corridor_ar": "مخرج هنانو"}, "corridor") == "Hanano exit"
    assert localized_name(None) == ""


def test_the_notification_page_lists_with_arabic_commas_and_arabic_titles(demo_day, settings):
    from safepassage.deconfliction.models import Notification

    n = Notification.objects.filter(convoy__isnull=False, convoy__pause__isnull=False).order_by("pk").first()
    page = arabic_client(settings, "coordinator").get(f"/convoys/notifications/{n.pk}/").content.decode()
    corridors = re.search(r'data-testid="corridors">(.*?)</dd>', page).group(1)
    assert "، " in corridors and ", " not in corridors
    assert f"<bdi>{n.convoy.pause.title_ar}</bdi>" in page and n.convoy.pause.title not in page
