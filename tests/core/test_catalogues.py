"""The ar, fr and ru catalogues are complete, compiled and neutral (DESIGN.md §2).

Complete: ``msgfmt --check`` passes and reports no untranslated and no fuzzy
message. Compiled: the .mo is not older than its .po (or, when a checkout has
scrambled the timestamps, it holds exactly what the .po compiles to). Neutral:
no msgid or translation uses one party's labels for another ("terrorists",
"militants", "rebels", "regime", ...); the product says parties, armed groups,
persons leaving armed groups.
"""

import ast
import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "src/safepassage/locale"
LANGUAGES = ["ar", "fr", "ru"]

# Labels one party uses for another. Arabic words take attached prefixes
# (ال، و، ب، ل), so Arabic stems are matched anywhere; the other languages on a
# word start. "الجماعات المسلحة" (armed groups) is the neutral term and does not
# match "مسلحين"/"مسلحون".
NON_NEUTRAL = {
    "en": [r"\bterroris\w*", r"\bmilitants?\b", r"\brebel\w*", r"\bregimes?\b", r"\binsurgen\w*",
           r"\bjihadis\w*"],
    "fr": [r"\bterroris\w*", r"\bmilitants?\b", r"\brebelles?\b", r"\brégimes?\b", r"\binsurgé\w*",
           r"\bdjihadis\w*"],
    "ru": [r"\bбоевик\w*", r"\bтеррорист\w*", r"\bмятежн\w*", r"\bповстан\w*",
           r"\bрежим\w*+(?!\s+работы)", r"\bджихадист\w*"],
    "ar": ["إرهاب", "ارهاب", "مسلحين", "مسلحون", "متمرد", "ثوار", "قوات النظام", "جيش النظام",
           "النظام السوري", "نظام الأسد", "شبيحة", "تكفيري"],
}



@pytest.fixture(autouse=True, scope="module")
def _msgfmt_installed():
    assert shutil.which("msgfmt"), "GNU gettext (msgfmt) is missing: apt-get install gettext (.ci/run does it)"


def po_path(lang):
    return LOCALE / lang / "LC_MESSAGES" / "django.po"


def mo_path(lang):
    return LOCALE / lang / "LC_MESSAGES" / "django.mo"


def parse_po(path):
    """(msgid, [msgstr, ...]) for every message except the header."""
    entries, current, key = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if current is not None:
                entries.append(current)
            current, key = None, None
            continue
        if line.startswith("#"):
            continue
        if current is None:
            current = {}
        if line.startswith('"'):
            current[key] += ast.literal_eval(line)
            continue
        key, _, value = line.partition(" ")
        current[key] = ast.literal_eval(value)
    out = []
    for entry in entries:
        msgid = entry.get("msgid", "")
        if msgid == "":
            continue
        strs = [v for k, v in entry.items() if k.startswith("msgstr")]
        out.append((msgid + "\n" + entry.get("msgid_plural", ""), strs))
    return out


def msgfmt_statistics(path, output="/dev/null"):
    result = subprocess.run(
        [shutil.which("msgfmt"), "--check", "--statistics", "-o", str(output), str(path)],
        capture_output=True, text=True, env={**os.environ, "LC_ALL": "C", "LANGUAGE": ""},
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_is_complete(lang):
    stats = msgfmt_statistics(po_path(lang))
    assert re.search(r"\d+ translated message", stats), stats
    assert "untranslated" not in stats, stats
    assert "fuzzy" not in stats, stats


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogue_is_up_to_date(lang, tmp_path):
    po, mo = po_path(lang), mo_path(lang)
    assert mo.exists(), f"{mo} missing: run `safepassage compilemessages`"
    if mo.stat().st_mtime >= po.stat().st_mtime:
        return
    # A checkout can write the .mo before the .po: then compare contents instead.
    fresh = tmp_path / "django.mo"
    msgfmt_statistics(po, fresh)
    with mo.open("rb") as a, fresh.open("rb") as b:
        assert gettext.GNUTranslations(a)._catalog == gettext.GNUTranslations(b)._catalog, (
            f"{mo} is older than {po}: run `safepassage compilemessages`"
        )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_uses_neutral_language(lang):
    patterns = [re.compile(p, re.IGNORECASE) for p in NON_NEUTRAL["en"] + NON_NEUTRAL[lang]]
    found = []
    for msgid, msgstrs in parse_po(po_path(lang)):
        for text in [msgid, *msgstrs]:
            found += [(text, p.pattern) for p in patterns if p.search(text)]
    assert not found, f"non-neutral wording in {lang}: {found}"


def test_parser_reads_every_message():
    # Guards the neutrality test against a parser that silently sees nothing.
    for lang in LANGUAGES:
        messages = parse_po(po_path(lang))
        assert len(messages) > 100 and all(any(s for s in strs) for _, strs in messages)
