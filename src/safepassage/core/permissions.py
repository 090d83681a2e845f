"""Named permissions and the roles that grant them. Denied unless listed here."""

from __future__ import annotations

from enum import StrEnum


class Perm(StrEnum):
    PLACES_VIEW = "places.view"
    PLACES_EDIT = "places.edit"
    CONTROL_VIEW = "places.control.view"
    CONTROL_EDIT = "places.control.edit"
    CORRIDORS_VIEW = "corridors.view"
    CORRIDORS_EDIT = "corridors.edit"
    CORRIDORS_SET_STATUS = "corridors.set_status"
    PAUSES_VIEW = "pauses.view"
    PAUSES_EDIT = "pauses.edit"
    PAUSES_RESPOND = "pauses.respond"
    CLAIMS_VIEW = "claims.view"
    CLAIMS_EDIT = "claims.edit"
    CLAIMS_VERIFY = "claims.verify"
    PARTIES_VIEW = "parties.view"
    AUDIT_VIEW = "audit.view"
    USERS_MANAGE = "users.manage"
    TOKENS_OWN = "tokens.own"  # list and revoke one's own API tokens (users.manage: everyone's)
    # convoys and deconfliction (issue 4)
    CONVOYS_VIEW = "convoys.view"
    CONVOYS_EDIT = "convoys.edit"
    CONVOYS_INSPECT = "convoys.inspect"
    CONVOYS_TRACK = "convoys.track"
    CONVOYS_OVERRIDE = "convoys.override"  # record a movement outside the agreed pause or corridor hours
    NOTIFICATIONS_VIEW = "notifications.view"
    NOTIFICATIONS_SEND = "notifications.send"
    NOTIFICATIONS_RESPOND = "notifications.respond"
    # crossings, medical evacuations, service points (issue 5)
    CROSSINGS_VIEW = "crossings.view"
    CROSSINGS_SUBMIT = "crossings.submit"
    CROSSINGS_REVIEW = "crossings.review"
    MEDEVAC_VIEW = "medevac.view"  # counts of cases by status and triage, never one row per case
    MEDEVAC_CASES_VIEW = "medevac.cases.view"  # the pseudonymous cases and their timelines
    MEDEVAC_EDIT = "medevac.edit"
    MEDICAL_IDENTIFYING_VIEW = "medevac.identifying.view"  # names and identifying details: logged on read
    SERVICEPOINTS_VIEW = "servicepoints.view"
    SERVICEPOINTS_EDIT = "servicepoints.edit"
    STOCK_EDIT = "servicepoints.stock.edit"
    # planning (issue 3)
    PLANS_VIEW = "plans.view"
    PLANS_RUN = "plans.run"
    JOBS_VIEW = "jobs.view"  # background jobs: progress, result, why one failed
    # local agreements registry (issue 19): agreements are public records
    AGREEMENTS_VIEW = "agreements.view"
    AGREEMENTS_EDIT = "agreements.edit"
    # incidents, sources, evidence, verification (issue 18)
    INCIDENTS_VIEW = "incidents.view"  # the public: verified and published incidents only
    INCIDENTS_VIEW_ALL = "incidents.view_all"  # unverified and unpublished ones too, with their sources
    INCIDENTS_EDIT = "incidents.edit"
    INCIDENTS_VERIFY = "incidents.verify"
    SOURCES_IDENTITY_VIEW = "sources.identity.view"  # decrypted identities of sources: logged on read
    EVIDENCE_VIEW = "evidence.view"  # original evidence files: every download is a custody entry
    # the daily bulletin and exports (issue 19): the public version is public
    REPORTS_VIEW = "reports.view"
    REPORTS_PUBLISH = "reports.publish"  # generate and archive an edition


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    FIELD_OFFICER = "field_officer"
    MONITOR = "monitor"
    VERIFIER = "verifier"
    PARTNER = "partner"
    PARTY_LIAISON = "party_liaison"
    MEDICAL_OFFICER = "medical_officer"
    PUBLIC = "public"


# What civilians need to act on: where, which corridors, when they are open.
_PUBLIC = {Perm.PLACES_VIEW, Perm.CORRIDORS_VIEW, Perm.PAUSES_VIEW, Perm.AGREEMENTS_VIEW, Perm.INCIDENTS_VIEW,
           Perm.REPORTS_VIEW}
_STAFF_READ = _PUBLIC | {Perm.TOKENS_OWN, Perm.INCIDENTS_VIEW_ALL, Perm.CONTROL_VIEW, Perm.CLAIMS_VIEW, Perm.PARTIES_VIEW,
                          Perm.CONVOYS_VIEW,
                          Perm.NOTIFICATIONS_VIEW, Perm.CROSSINGS_VIEW, Perm.MEDEVAC_VIEW,
                          Perm.SERVICEPOINTS_VIEW, Perm.PLANS_VIEW, Perm.JOBS_VIEW}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.ADMIN: frozenset(Perm),
    Role.COORDINATOR: frozenset(
        _STAFF_READ
        | {
            Perm.PLACES_EDIT,
            Perm.CONTROL_EDIT,
            Perm.CORRIDORS_EDIT,
            Perm.CORRIDORS_SET_STATUS,
            Perm.PAUSES_EDIT,
            Perm.PAUSES_RESPOND,  # to record a response a party gave through another channel
            Perm.CLAIMS_EDIT,
            Perm.AUDIT_VIEW,
            Perm.CONVOYS_EDIT,
            Perm.CONVOYS_TRACK,
            Perm.CONVOYS_OVERRIDE,
            Perm.NOTIFICATIONS_SEND,
            Perm.CROSSINGS_REVIEW,
            Perm.SERVICEPOINTS_EDIT,
            Perm.STOCK_EDIT,
            Perm.PLANS_RUN,
            Perm.MEDEVAC_CASES_VIEW,  # to coordinate the movements, under case numbers
            Perm.AGREEMENTS_EDIT,
            Perm.INCIDENTS_EDIT,
            Perm.SOURCES_IDENTITY_VIEW,
            Perm.EVIDENCE_VIEW,
            Perm.REPORTS_PUBLISH,
        }
    ),
    Role.FIELD_OFFICER: frozenset(
        _STAFF_READ
        | {Perm.CORRIDORS_SET_STATUS, Perm.CONVOYS_INSPECT, Perm.CONVOYS_TRACK, Perm.CROSSINGS_SUBMIT,
           Perm.STOCK_EDIT}
    ),
    Role.MONITOR: frozenset(_STAFF_READ | {Perm.CLAIMS_EDIT, Perm.INCIDENTS_EDIT, Perm.EVIDENCE_VIEW}),
    Role.VERIFIER: frozenset(_STAFF_READ | {Perm.CLAIMS_VERIFY, Perm.AUDIT_VIEW, Perm.INCIDENTS_VERIFY,
                                            Perm.SOURCES_IDENTITY_VIEW, Perm.EVIDENCE_VIEW}),
    Role.PARTNER: frozenset(_STAFF_READ),
    # A liaison sees only what concerns their party: the selectors filter by party.
    Role.PARTY_LIAISON: frozenset(
        _PUBLIC
        | {Perm.TOKENS_OWN, Perm.PARTIES_VIEW, Perm.PAUSES_RESPOND, Perm.CONTROL_VIEW, Perm.CONVOYS_VIEW, Perm.NOTIFICATIONS_VIEW,
           Perm.NOTIFICATIONS_RESPOND}
    ),
    Role.MEDICAL_OFFICER: frozenset(
        _STAFF_READ | {Perm.MEDEVAC_EDIT, Perm.MEDEVAC_CASES_VIEW, Perm.MEDICAL_IDENTIFYING_VIEW,
                       Perm.CROSSINGS_SUBMIT}
    ),
    Role.PUBLIC: frozenset(_PUBLIC),
}


def role_has(role: str, perm: Perm) -> bool:
    """True when the role grants the permission; unknown roles grant nothing."""
    try:
        return perm in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False
