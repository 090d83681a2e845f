"""Every user-facing string has Arabic, French and Russian catalogues."""

from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "src/safepassage/locale"


@pytest.mark.parametrize("lang,expected", [("ar", "الطبقات"), ("fr", "Couches"), ("ru", "Слои")])
def test_catalogue_is_compiled_and_translates(lang, expected):
    assert (LOCALE / lang / "LC_MESSAGES" / "django.mo").exists()
    with translation.override(lang):
        assert translation.gettext("Layers") == expected


def test_arabic_is_right_to_left(client):
    client.cookies["django_language"] = "ar"
    html = client.get("/").content.decode()
    assert 'dir="rtl"' in html and 'lang="ar"' in html
