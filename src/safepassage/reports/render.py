"""The bulletin as a page, a PDF (WeasyPrint) and Markdown, in the reader's language."""

from __future__ import annotations

from datetime import date, datetime

from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _


def _illustrative_note() -> str:
    return _("Illustrative figures: they are counted from the demo scenario's invented records, not from "
             "observations.")


def _num(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 14 hours, not 14.0
    return formats.number_format(value, use_l10n=True, force_grouping=True)


def _signed(value) -> str:
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + _num(value)


def _when(local: str | None) -> str:
    """A local "YYYY-MM-DD HH:MM" of the bulletin's details, written for the active language."""
    if not local:
        return ""
    wall = datetime.strptime(local, "%Y-%m-%d %H:%M")  # noqa: DTZ007 - already the bulletin zone's wall clock
    return formats.date_format(wall, "SHORT_DATETIME_FORMAT")


def _word(code: str | None) -> str:
    """A status, response or verification code as a word of the active language (the catalogue has them all)."""
    words = {"open": _("open"), "suspended": _("suspended"), "closed": _("closed"), "proposed": _("proposed"),
             "agreed": _("agreed"), "active": _("active"), "ended": _("ended"), "violated": _("violated"),
             "withdrawn": _("withdrawn"), "pending": _("pending"), "accepted": _("accepted"),
             "refused": _("refused"), "verified": _("verified"), "unverified": _("unverified"),
             "pending_verification": _("pending verification"), "falsely_attributed": _("falsely attributed"),
             "rejected": _("rejected")}
    return words.get(code or "", code or "")


def _details(section: dict) -> list[dict]:
    """The section's details with their codes as words and their numbers and times written for the language."""
    out = []
    for d in section["details"]:
        d = dict(d)
        if section["key"] == "corridors":
            d["hours_text"] = _num(d["hours_open"])
            d["changes"] = [{**c, "when": _when(c["local"]), "status_text": _word(c["status"])} for c in d["changes"]]
        elif section["key"] == "pauses":
            d.update(starts_text=_when(d["starts_at"]), ends_text=_when(d["ends_at"]), status_text=_word(d["status"]))
            d["responses"] = [{**r, "when": _when(r["at"]), "state_text": _word(r["state"])} for r in d["responses"]]
        elif section["key"] == "incidents":
            d["verification_text"] = _word(d["verification"])
        elif section["key"] == "agreements":
            d.update(claimed_text=_num(d["claimed"]), recorded_text=_num(d["recorded"]),
                     difference_text=_signed(d["difference"]))
        out.append(d)
    return out


def context(bulletin: dict, *, lang: str) -> dict:
    """What the templates show: the bulletin with its numbers and dates written for the language."""
    with translation.override(lang):
        day = date.fromisoformat(bulletin["date"])
        built = datetime.fromisoformat(str(bulletin["built_at"]))
        sections = []
        for s in bulletin["sections"]:
            figs = [{**f, "value_text": _num(f["value"]), "previous_text": _num(f["previous"]),
                     "difference_text": _signed(f["difference"])} for f in s["figures"]]
            sections.append({**s, "figures": figs, "details": _details(s)})
        return {
            "b": bulletin, "sections": sections, "lang": lang, "rtl": translation.get_language_bidi(),
            "day_text": formats.date_format(day, "DATE_FORMAT"),
            "built_text": formats.date_format(built, "DATETIME_FORMAT") + " UTC",
            "audience_text": _("public version") if bulletin["audience"] == "public" else _("internal version"),
            "illustrative_text": _illustrative_note() if bulletin.get("illustrative") else "",
        }


def html(bulletin: dict, *, lang: str, template: str = "reports/bulletin_print.html") -> str:
    with translation.override(lang):
        return render_to_string(template, context(bulletin, lang=lang))


def pdf(bulletin: dict, *, lang: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html(bulletin, lang=lang)).write_pdf()


def markdown(bulletin: dict, *, lang: str) -> str:
    c = context(bulletin, lang=lang)
    with translation.override(lang):
        lines = [f"# {_('Daily bulletin')} — {c['day_text']}", "",
                 f"{c['audience_text']} · {_('built at')} {c['built_text']} · {bulletin['tz']}", "",
                 *([f"**{c['illustrative_text']}**", ""] if c["illustrative_text"] else []),
                 f"{_('Audit chain head at that moment')}: `{bulletin['audit_head']['hash'] or '—'}` "
                 f"(#{bulletin['audit_head']['seq']})", ""]
        for s in c["sections"]:
            lines += [f"## {s['title']}", "",
                      f"| {_('Figure')} | {_('Value')} | {_('Previous day')} | {_('Change')} | {_('Records')} |",
                      "|---|---:|---:|---:|---|"]
            for f in s["figures"]:
                rec = f"[{_('records')}]({f['records']})" if f["records"] else (f["note"] or "")
                lines.append(f"| {f['label']} | {f['value_text']} | {f['previous_text']} | {f['difference_text']} "
                             f"| {rec} |")
            lines += ["", *_detail_lines(s), ""] if s["details"] else [""]
        return "\n".join(lines)


def _detail_lines(s: dict) -> list[str]:
    """The section's details as Markdown list items, as the page shows them."""
    lines = []
    for d in s["details"]:
        if s["key"] == "corridors":
            lines.append(f"- **{d['corridor']}**: " + _("%(h)s hours open (operating hours %(hours)s)") % {
                "h": d["hours_text"], "hours": d["operating_hours"]})
            lines += [f"  - {c['when']} — {c['status_text']}: {c['reason']}" for c in d["changes"]]
        elif s["key"] == "pauses":
            lines.append(f"- **{d['title']}**: {d['starts_text']} – {d['ends_text']} · {d['status_text']}")
            lines += [f"  - {r['party']}: {r['state_text']}" + (f" ({r['when']})" if r["when"] else "")
                      for r in d["responses"]]
        elif s["key"] == "incidents":
            speaker = f" ({d['speaker']})" if d["speaker"] else ""
            lines.append(f"- {_('Claim')}: {d['claim']} — {_('source')}: {d['source']}{speaker} · "
                         f"{d['verification_text']}")
        elif s["key"] == "agreements":
            lines.append("- " + _("%(party)s claims %(claimed)s; the registry records %(recorded)s (difference "
                                  "%(difference)s); source: %(source)s") % {
                "party": d["party"], "claimed": d["claimed_text"], "recorded": d["recorded_text"],
                "difference": d["difference_text"], "source": d["source"]})
    return lines
