"""Convoy pages beside the board: position reports, and a manifest upload previewed before it is stored."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie

from safepassage.convoys import lifecycle, selectors, services
from safepassage.core.errors import DomainError, InvalidInput
from safepassage.core.numbers import NumberFormat, parse_number
from safepassage.core.permissions import Perm
from safepassage.corridors import selectors as corridor_selectors
from safepassage.web.pages import event_time, page_requires, script_strings


def _coordinate(text: str | None, field: str) -> float:
    """Decimal degrees as typed, Arabic-Indic digits and the Arabic decimal mark (٣٦٫٢١) included."""
    try:
        return float(parse_number(text or "", NumberFormat.DOT))
    except ValueError as exc:
        raise InvalidInput(_("give decimal degrees, such as 36.2021"), field=field) from exc


def _positions_context(principal, convoy_id: int, **extra) -> dict:
    convoy = selectors.visible(principal, convoy_id)
    return {"convoy": convoy, "positions": list(selectors.positions(convoy)[:200]),
            "checkpoints": corridor_selectors.checkpoints(corridor_id=convoy.corridor_id),
            "moving": convoy.status == lifecycle.DEPARTED, "can_override": principal.can(Perm.CONVOYS_OVERRIDE),
            **extra}


@page_requires(Perm.CONVOYS_TRACK)
def positions_page(request, principal, convoy_id: int):
    """A convoy's position reports, and the form to add one with the time it was seen there.

    Outside the agreed pause or the corridor's hours a report is refused with the reason; a coordinator may record
    it with a written reason (shown on the board in red), as on the board's own forms.
    """
    if request.method != "POST":
        return render(request, "convoys/positions.html", _positions_context(principal, convoy_id))
    post = request.POST
    selectors.visible(principal, convoy_id)
    try:
        checkpoint = post.get("checkpoint_id") or None
        services.record_position(convoy_id=convoy_id, lon=_coordinate(post.get("lon"), "lon"),
                                 lat=_coordinate(post.get("lat"), "lat"), at=event_time(post.get("at")),
                                 checkpoint_id=int(checkpoint) if checkpoint and checkpoint.isdigit() else None,
                                 note=post.get("note", ""),
                                 override_reason=post.get("override_reason", "").strip() or None, by=principal)
    except DomainError as exc:
        context = _positions_context(principal, convoy_id, error=exc.reason, form=post)
        return render(request, "convoys/positions.html", context, status=400)
    return redirect("convoys:positions", convoy_id=convoy_id)


@ensure_csrf_cookie
@page_requires(Perm.CONVOYS_EDIT)
def manifest_page(request, principal, convoy_id: int):
    """Choose a file and its number format, see the lines as they would be stored, then store them."""
    convoy = selectors.visible(principal, convoy_id)
    return render(request, "convoys/manifest.html", {
        "convoy": convoy, "lines": list(convoy.manifest.all()), "formats": [f.value for f in NumberFormat],
        "editable": convoy.status in lifecycle.BEFORE_DEPARTURE,
        "i18n_strings": script_strings({
            "row": _("row"), "column": _("column"), "item": _("Item"), "category": _("Category"),
            "quantity": _("Quantity"), "unit": _("Unit"), "weight": _("Weight (kg)"),
            "total": _("Total weight (kg)"), "previewOk": _("Nothing is stored yet. Check the lines, then store them."),
            "previewErrors": _("The file cannot be stored as it is; nothing was stored:"),
            "stored": _("The manifest was stored."), "chooseFile": _("Choose a .csv or .xlsx file first."),
        }),
    })
