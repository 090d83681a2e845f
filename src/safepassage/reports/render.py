"""The bulletin as a page, a PDF (WeasyPrint) and Markdown, in the reader's language."""

from __future__ import annotations

from datetime import date, datetime

from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _


def _num(value) -> str:
    if value is None:
        return "—"
    return formats.number_format(value, use_l10n=True, force_grouping=True)


def _signed(value) -> str:
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + _num(value)


def context(bulletin: dict, *, lang: str) -> dict:
    """What the templates show: the bulletin with its numbers and dates written for the language."""
    with translation.override(lang):
        day = date.fromisoformat(bulletin["date"])
        built = datetime.fromisoformat(str(bulletin["built_at"]))
        sections = []
        for s in bulletin["sections"]:
            figs = [{**f, "value_text": _num(f["value"]), "previous_text": _num(f["previous"]),
                     "difference_text": _signed(f["difference"])} for f in s["figures"]]
            sections.append({**s, "figures": figs})
        return {
            "b": bulletin, "sections": sections, "lang": lang, "rtl": translation.get_language_bidi(),
            "day_text": formats.date_format(day, "DATE_FORMAT"),
            "built_text": formats.date_format(built, "DATETIME_FORMAT") + " UTC",
            "audience_text": _("public version") if bulletin["audience"] == "public" else _("internal version"),
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
            lines.append("")
        return "\n".join(lines)
