"""Tallies computed from the records at any moment: boundaries, distinct communities, first signature, history."""

from datetime import UTC, datetime, timedelta

import pytest

from safepassage.agreements import selectors, services
from safepassage.agreements.models import AgreementStatusChange
from safepassage.audit.models import AuditEntry
from safepassage.core.errors import InvalidInput, StateConflict
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db
T0 = datetime(2016, 10, 20, 9, 0, tzinfo=UTC)


def counts(at):
    t = selectors.tally(at)
    return t.signed_total, t.signed_last_24h, t.in_force


def test_nothing_before_the_first_signature_and_the_signature_counts_at_its_own_instant(make_community, sign):
    sign(make_community(), T0)
    assert counts(T0 - timedelta(microseconds=1)) == (0, 0, 0)
    assert counts(T0) == (1, 1, 0)


def test_last_24h_window_is_open_at_minus_24h_and_closed_at_at(make_community, sign):
    sign(make_community(), T0)
    assert counts(T0 + timedelta(hours=24) - timedelta(microseconds=1))[1] == 1
    assert counts(T0 + timedelta(hours=24)) == (1, 0, 0)  # exactly 24 h later: no longer "in the last 24 h"


def test_community_with_two_agreements_is_counted_once_and_only_its_first_signature_is_new(make_community, sign):
    c = make_community()
    sign(c, T0 - timedelta(days=3), name="first")
    sign(c, T0 - timedelta(hours=1), name="second")
    assert counts(T0) == (1, 0, 0)  # the second signature is not a new community
    other = make_community()
    sign(other, T0 - timedelta(hours=2))
    assert counts(T0) == (2, 1, 0)


def test_in_force_follows_the_latest_status_at_the_moment(make_community, sign):
    c1, c2 = make_community(), make_community()
    a1, a2 = sign(c1, T0), sign(c2, T0)
    services.set_agreement_status(agreement_id=a1.pk, status="in_force", valid_from=T0 + timedelta(hours=1),
                                  source="observer report", by=SYSTEM)
    services.set_agreement_status(agreement_id=a1.pk, status="breached", valid_from=T0 + timedelta(days=2),
                                  source="observer report", by=SYSTEM)
    services.set_agreement_status(agreement_id=a2.pk, status="in_force", valid_from=T0 + timedelta(days=1),
                                  source="observer report", by=SYSTEM)
    assert counts(T0 + timedelta(minutes=59))[2] == 0
    assert counts(T0 + timedelta(hours=1))[2] == 1
    assert counts(T0 + timedelta(days=1))[2] == 2
    assert counts(T0 + timedelta(days=2))[2] == 1  # a1 breached
    assert counts(T0 + timedelta(days=2)) == (2, 0, 1)


def test_history_is_ordered_by_its_from_date_not_by_when_it_was_recorded(make_community, sign):
    a = sign(make_community(), T0)
    services.set_agreement_status(agreement_id=a.pk, status="in_force", valid_from=T0 + timedelta(days=2),
                                  source="later report", by=SYSTEM)
    # recorded afterwards, but valid from earlier: a suspension between signature and entry into force
    services.set_agreement_status(agreement_id=a.pk, status="suspended", valid_from=T0 + timedelta(days=1),
                                  source="late report", by=SYSTEM)
    assert counts(T0 + timedelta(days=1, hours=12))[2] == 0
    assert counts(T0 + timedelta(days=3))[2] == 1
    statuses = [h.status for h in AgreementStatusChange.objects.filter(agreement=a)]
    assert statuses == ["signed", "suspended", "in_force"]


def test_a_community_with_one_agreement_in_force_and_another_breached_counts_once(make_community, sign):
    c = make_community()
    a, b = sign(c, T0, name="a"), sign(c, T0 + timedelta(hours=1), name="b")
    for agreement in (a, b):
        services.set_agreement_status(agreement_id=agreement.pk, status="in_force",
                                      valid_from=T0 + timedelta(hours=2), source="s", by=SYSTEM)
    assert counts(T0 + timedelta(hours=3))[2] == 1
    services.set_agreement_status(agreement_id=a.pk, status="breached", valid_from=T0 + timedelta(hours=4),
                                  source="s", by=SYSTEM)
    assert counts(T0 + timedelta(hours=5))[2] == 1


def test_date_alone_means_midnight_in_the_operation_zone(make_community, sign, settings):
    settings.OPERATION_TIME_ZONE = "Asia/Damascus"
    a = sign(make_community(), "2016-10-20")
    assert a.signed_at == datetime(2016, 10, 19, 21, 0, tzinfo=UTC)  # 00:00 at UTC+3 in Damascus
    assert counts(datetime(2016, 10, 19, 21, 0, tzinfo=UTC))[0] == 1
    assert counts(datetime(2016, 10, 19, 20, 59, tzinfo=UTC))[0] == 0


@pytest.mark.parametrize("value", ["2016-10-20T10:00:00", "20/10/2016", "yesterday", "2016-13-01"])
def test_naive_or_unreadable_moments_are_refused(make_community, sign, value):
    with pytest.raises(InvalidInput) as exc:
        sign(make_community(), value)
    assert exc.value.errors[0].field == "signed_at"


def test_status_changes_are_validated_and_audited(make_community, sign):
    a = sign(make_community(), T0)
    with pytest.raises(InvalidInput, match="predate the signature"):
        services.set_agreement_status(agreement_id=a.pk, status="in_force", valid_from=T0 - timedelta(hours=1),
                                      source="s", by=SYSTEM)
    with pytest.raises(InvalidInput, match="source"):
        services.set_agreement_status(agreement_id=a.pk, status="in_force", valid_from=T0 + timedelta(hours=1),
                                      source=" ", by=SYSTEM)
    with pytest.raises(StateConflict, match="exact moment"):
        services.set_agreement_status(agreement_id=a.pk, status="in_force", valid_from=T0, source="s", by=SYSTEM)
    with pytest.raises(StateConflict, match="already signed"):
        services.set_agreement_status(agreement_id=a.pk, status="signed", valid_from=T0 + timedelta(hours=1),
                                      source="s", by=SYSTEM)
    services.set_agreement_status(agreement_id=a.pk, status="in_force", valid_from=T0 + timedelta(hours=1),
                                  source="observer", by=SYSTEM)
    entry = AuditEntry.objects.filter(action="agreement.status_changed").get()
    assert entry.after["status"] == "in_force" and entry.after["source"] == "observer"
    assert AuditEntry.objects.filter(action="agreement.created", object_id=str(a.pk)).exists()


def test_claims_are_shown_beside_the_recorded_figure_at_their_date(make_community, sign, parties):
    for i in range(3):
        sign(make_community(), T0 + timedelta(hours=i))
    services.record_claimed_tally(party=parties["A"], claimed=783, as_of=T0 + timedelta(hours=1),
                                  source="briefing", quote="783 populated areas", by=SYSTEM)
    services.record_claimed_tally(party=parties["A"], claimed=8, metric="signed_last_24h",
                                  as_of=T0 + timedelta(hours=5), source="briefing", by=SYSTEM)
    assert selectors.claims_beside(T0) == []  # claims dated later are not shown at an earlier moment
    rows = {c.claim.metric: c for c in selectors.claims_beside(T0 + timedelta(days=1))}
    assert (rows["signed_total"].claim.claimed, rows["signed_total"].recorded, rows["signed_total"].difference) \
        == (783, 2, 781)
    assert (rows["signed_last_24h"].recorded, rows["signed_last_24h"].difference) == (3, 5)
    assert counts(T0 + timedelta(days=1))[0] == 3  # the registry's own count never includes the claim


def test_in_force_matches_the_latest_change_definition_after_out_of_order_reports(make_community, sign):
    import random

    rnd = random.Random(7)
    agreements = [sign(make_community(), T0 + timedelta(hours=i)) for i in range(6)]
    for _ in range(30):
        a = rnd.choice(agreements)
        try:
            services.set_agreement_status(agreement_id=a.pk, status=rnd.choice(["in_force", "suspended", "breached"]),
                                          valid_from=T0 + timedelta(hours=rnd.randrange(6, 200)), source="s",
                                          by=SYSTEM)
        except StateConflict:
            pass  # same status as the one before it, or the same instant: refused, as it should be
    for hours in range(0, 210, 3):
        at = T0 + timedelta(hours=hours)
        expected = set()
        for a in agreements:
            history = [h for h in AgreementStatusChange.objects.filter(agreement=a) if h.valid_from <= at]
            if history and max(history, key=lambda h: h.valid_from).status == "in_force":
                expected.add(a.community_id)
        assert selectors.tally(at).in_force == len(expected), at
