"""The navigation menu, in one place: each entry names the permission that opens its page."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from safepassage.core.permissions import Perm


@dataclass(frozen=True)
class Entry:
    label: str
    url: str
    perm: Perm | None  # None: any signed-in person
    testid: str


MENU: tuple[Entry, ...] = (
    Entry(_("Map"), "/", Perm.PLACES_VIEW, "menu-map"),
    Entry(_("Live picture"), "/dashboard/", Perm.CROSSINGS_VIEW, "menu-dashboard"),
    Entry(_("Convoys"), "/convoys/board/", Perm.CONVOYS_VIEW, "menu-convoys"),
    Entry(_("Count form"), "/crossings/new/", Perm.CROSSINGS_SUBMIT, "menu-count-form"),
    Entry(_("Counts to review"), "/crossings/review/", Perm.CROSSINGS_REVIEW, "menu-count-review"),
    Entry(_("Medical evacuations"), "/medevac/", Perm.MEDEVAC_VIEW, "menu-medevac"),
    Entry(_("Service points"), "/servicepoints/", Perm.SERVICEPOINTS_VIEW, "menu-servicepoints"),
    Entry(_("Incidents"), "/incidents/", Perm.INCIDENTS_VIEW, "menu-incidents"),
    Entry(_("Record an incident"), "/incidents/new/", Perm.INCIDENTS_EDIT, "menu-incident-new"),
    Entry(_("Review queue"), "/incidents/queue/", Perm.INCIDENTS_VERIFY, "menu-incident-queue"),
    Entry(_("Agreements"), "/agreements/", Perm.AGREEMENTS_VIEW, "menu-agreements"),
    Entry(_("Claims"), "/claims/", Perm.CLAIMS_VIEW, "menu-claims"),
    Entry(_("Jobs"), "/jobs/", Perm.JOBS_VIEW, "menu-jobs"),
    Entry(_("Audit log"), "/audit/", Perm.AUDIT_VIEW, "menu-audit"),
    Entry(_("Two-factor sign-in"), "/account/two-factor/enrol/", None, "two-factor-link"),
    Entry(_("API tokens"), "/account/tokens/", Perm.TOKENS_OWN, "tokens-link"),
)


def menu_for(principal) -> list[Entry]:
    """The entries this principal may open (nothing but the map for the signed-out)."""
    if principal.is_anonymous:
        return [e for e in MENU if e.perm is not None and principal.can(e.perm)]
    return [e for e in MENU if e.perm is None or principal.can(e.perm)]
