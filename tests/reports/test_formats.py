"""The bulletin as a page, PDF and Markdown, in four languages; the public page shows no restricted figures."""

from __future__ import annotations

import subprocess

import pytest
from django.test import Client

from tests.reports.conftest import DAY

pytestmark = pytest.mark.django_db

TITLES = {"en": "Daily bulletin", "ar": "النشرة اليومية", "fr": "Bulletin quotidien", "ru": "Ежедневный бюллетень"}
PEOPLE = {"en": "People who crossed", "ar": "الأشخاص الذين عبروا", "fr": "Personnes ayant traversé",
          "ru": "Пересекли"}


@pytest.mark.parametrize("lang", ["en", "ar", "fr", "ru"])
def test_pdf_in_each_language_has_its_text(day_of_records, lang, tmp_path):
    r = Client(HTTP_ACCEPT_LANGUAGE=lang).get(f"/bulletins/{DAY}/bulletin.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    pdf = tmp_path / "b.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True,
                          text=True).stdout
    assert TITLES[lang] in text
    assert PEOPLE[lang] in text
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True)
    assert list(tmp_path.glob("p*.png"))


def test_page_in_arabic_is_right_to_left_with_localised_numbers(day_of_records):
    r = Client(HTTP_ACCEPT_LANGUAGE="ar").get(f"/bulletins/{DAY}/")
    html = r.content.decode()
    assert r.status_code == 200 and 'dir="rtl"' in html and TITLES["ar"] in html
    fr = Client(HTTP_ACCEPT_LANGUAGE="fr").get(f"/bulletins/{DAY}/").content.decode()
    assert "20 octobre 2016" in fr


def test_public_page_and_markdown_show_counts_not_restricted_records(day_of_records, actors):
    html = Client().get(f"/bulletins/{DAY}/").content.decode()
    assert "public version" in html and "Unverified report" not in html
    assert "from restricted records" in html
    md = Client().get(f"/bulletins/{DAY}/bulletin.md").content.decode()
    assert md.startswith("# Daily bulletin") and "(/api/crossings/counts?since=" in md
    assert "| People served, all service points | 65 |" in md


def test_bad_day_on_the_page_is_a_clear_400(db):
    r = Client().get("/bulletins/2016-02-30/")
    assert r.status_code == 400 and "YYYY-MM-DD" in r.content.decode()


def test_details_are_words_and_times_of_the_language_not_codes(day_of_records):
    """The corridor's suspension at 14:00 local reads as a word and a local time in each language and format."""
    fr = Client(HTTP_ACCEPT_LANGUAGE="fr").get(f"/bulletins/{DAY}/").content.decode()
    assert "20/10/2016 14:00 — suspendu: shelling reported" in fr and "— suspended" not in fr
    md = Client(HTTP_ACCEPT_LANGUAGE="ru").get(f"/bulletins/{DAY}/bulletin.md").content.decode()
    assert "приостановлен: shelling reported" in md and "suspended" not in md
    ar = Client(HTTP_ACCEPT_LANGUAGE="ar").get(f"/bulletins/{DAY}/").content.decode()
    assert "معلّق: shelling reported" in ar


def test_the_page_says_when_the_figures_are_illustrative(day_of_records):
    from safepassage.corridors.models import Corridor

    assert 'data-testid="illustrative"' not in Client().get(f"/bulletins/{DAY}/").content.decode()
    Corridor.objects.filter(pk=day_of_records["corridor"].pk).update(notes="Illustrative scenario of the demo")
    html = Client(HTTP_ACCEPT_LANGUAGE="fr").get(f"/bulletins/{DAY}/").content.decode()
    assert 'data-testid="illustrative"' in html and "Chiffres illustratifs" in html
    md = Client().get(f"/bulletins/{DAY}/bulletin.md").content.decode()
    assert "**Illustrative figures:" in md
