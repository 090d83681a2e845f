"""Stored cross-site scripting: a script payload in every stored text of every model, every page opened in
Chromium as a coordinator (English and Arabic) with the map's features hovered, clicked and their tooltips and
popups opened: nothing runs, no payload becomes markup, and the Content-Security-Policy reports nothing."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest

from tests.conftest import LINE, SYSTEM
from tests.convoys.fixtures import convoy, local, scene, the_day_has_come  # noqa: F401 - fixtures used below
from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.e2e

PAYLOADS = ['<img src=x onerror="window.__xss=1">', '"><script>window.__xss=1</script>',
            "'><svg onload=alert(1)>", "javascript:window.__xss=1"]
URL_PAYLOAD = "javascript:window.__xss=1"
# Stored but never text for people: secrets and hashes, keys the code looks up (time zones, geometries),
# encrypted columns, and primary keys. Fields with choices are skipped too: no intake path stores free text there.
NOT_TEXT = {"password", "digest", "prefix", "hash", "prev_hash", "last_hash", "timezone", "geometry", "route",
            "network", "full_name_enc", "identifying_details_enc", "client_uuid"}
JSON_STRUCTURE_KEYS = {"type", "coordinates", "geometry"}

# Installed before any page script: records what would run, what became markup, and what the policy blocked.
WATCH = """
window.__csp = []; window.__injected = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sourceFile || "") + ":" + e.lineNumber));
const URL_ATTRS = ["href", "src", "action", "formaction", "xlink:href", "data"];
function inspect(el) {
  if (!el || el.nodeType !== 1) return;
  [el, ...el.querySelectorAll("*")].forEach((e) => {
    for (const a of e.attributes) {
      if (/^on/i.test(a.name) || (URL_ATTRS.includes(a.name.toLowerCase()) && /^\\s*javascript:/i.test(a.value)))
        window.__injected.push(e.outerHTML.slice(0, 200));
    }
    const runs = !e.type || /javascript|ecmascript|module/i.test(e.type);  // not a json_script data block
    if (e.tagName === "SCRIPT" && runs && /__xss/.test(e.textContent)) window.__injected.push(e.outerHTML.slice(0, 200));
  });
}
new MutationObserver((records) => records.forEach((r) => {
  if (r.type === "attributes") inspect(r.target); else r.addedNodes.forEach(inspect);
})).observe(document, { subtree: true, childList: true, attributes: true });
"""

# Every feature of every layer of the main map: tooltip, popup, click (details in the sidebar).
OPEN_ALL_FEATURES = """() => {
  let n = 0;
  const visit = (l) => {
    if (l.eachLayer) { l.eachLayer(visit); return; }
    n += 1;
    if (l.getTooltip && l.getTooltip()) l.openTooltip();
    l.fire("click");
    if (l.getPopup && l.getPopup()) l.openPopup();
  };
  Object.values(window.safePassageMap.groups).forEach(visit);
  if (window.safePassagePlans) window.safePassagePlans.layer.eachLayer(visit);
  return n;
}"""


def _payload_for(field, i: int) -> str | None:
    """A payload that fits the column with room for a row suffix, or None when no script fits."""
    from django.db import models

    if isinstance(field, models.URLField):
        return URL_PAYLOAD
    room = (field.max_length or 10_000) - 8
    for k in range(len(PAYLOADS)):
        p = PAYLOADS[(i + k) % len(PAYLOADS)]
        if len(p) <= room:
            return p
    return None


def _poison_json(value, counter: list[int]):
    if isinstance(value, str):
        counter[0] += 1
        return PAYLOADS[counter[0] % len(PAYLOADS)]
    if isinstance(value, list):
        return [_poison_json(v, counter) for v in value]
    if isinstance(value, dict):
        return {k: (v if k in JSON_STRUCTURE_KEYS else _poison_json(v, counter)) for k, v in value.items()}
    return value


def poison_every_text_field() -> dict[str, list[str]]:
    """Store a payload in every text column (and every string inside JSON) of every safepassage model."""
    from django.apps import apps
    from django.db import connection, models
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    from safepassage.audit import guard

    poisoned: dict[str, list[str]] = {}
    with guard.unguarded(connection):  # the audit table refuses UPDATE otherwise
        for model in apps.get_models():
            if not model.__module__.startswith("safepassage."):
                continue
            for i, field in enumerate(model._meta.concrete_fields):
                if field.name in NOT_TEXT or field.primary_key or field.choices or field.is_relation:
                    continue
                if isinstance(field, models.JSONField):
                    for pk, value in model.objects.values_list("pk", field.name):
                        if value is not None:
                            model.objects.filter(pk=pk).update(**{field.name: _poison_json(value, [i])})
                elif isinstance(field, models.CharField | models.TextField):
                    payload = _payload_for(field, i)
                    if payload is None:
                        continue
                    model.objects.update(**{field.name: Concat(Value(payload), Value(" #"),
                                                               Cast("pk", output_field=CharField()))})
                else:
                    continue
                poisoned.setdefault(model._meta.label, []).append(field.name)
    return poisoned


@pytest.fixture
def parties(demo_world):
    """The demo's parties (the shared fixture would create them a second time)."""
    from safepassage.accounts.models import Party

    return {"A": Party.objects.get(short_name="Party A"), "B": Party.objects.get(short_name="Party B")}


@pytest.fixture
def every_model_has_rows(demo_world, actors, scene, convoy):  # noqa: F811 - pytest fixtures
    """Rows for the models the demo leaves empty: a convoy through to delivery, a notified one, counts,
    a medical evacuation, service points with stock, plan runs and jobs."""
    from safepassage.corridors.models import Checkpoint
    from safepassage.crossings import services as crossings
    from safepassage.incidents import services as incidents
    from safepassage.jobs import services as jobs
    from safepassage.plans.models import PlanRun
    from safepassage.servicepoints import services as sp

    coordinator, field = actors["coordinator"], actors["field_officer"]
    cid = convoy["id"]
    body = {"deadline": scene.deadline.isoformat(), "party_ids": [p.pk for p in scene.parties.values()]}
    c = coordinator.post(f"/api/convoys/{cid}/notify", body).json()
    for who in ("party_liaison", "liaison_b"):
        r = actors[who].post(f"/api/notifications/{c['notification']['id']}/answer", {"state": "acknowledged"})
        assert r.status_code == 200, r.content
    r = field.post(f"/api/convoys/{cid}/inspections", {
        "result": "cleared_with_remarks", "no_weapons_attested": True, "items_checked": [1, 2, 3], "seals": ["S-100"],
        "place_id": scene.origin.pk, "remarks": "checked",
        "discrepancies": [{"item": "Trauma kits", "expected": "50", "found": "49"}]})
    assert r.status_code == 201, r.content
    # A second convoy waiting for its parties' answers: the board shows its forms and manifest.
    r = coordinator.post("/api/convoys", scene.convoy_body(title="Second convoy"))
    assert r.status_code == 201, r.content
    assert coordinator.post(f"/api/convoys/{r.json()['id']}/notify", body).status_code == 200
    assert coordinator.post(f"/api/convoys/{cid}/status", {"status": "cleared"}).status_code == 200
    the_day_has_come(scene)  # the movements below fall inside the agreed pause and the corridor's hours
    assert coordinator.post(f"/api/convoys/{cid}/status", {"status": "departed"}).status_code == 200
    assert field.post(f"/api/convoys/{cid}/positions", {"lon": 37.15, "lat": 36.21, "note": "cp 1"}).status_code == 201
    assert field.post(f"/api/convoys/{cid}/incidents", {"kind": "restriction_of_movement", "description": "blocked",
                                                        "at": local(scene.day, 9).isoformat()}).status_code == 201
    assert coordinator.post(f"/api/convoys/{cid}/status", {"status": "arrived"}).status_code == 200
    assert field.post(f"/api/convoys/{cid}/seal-check",
                      {"found": [{"number": "S-100", "intact": True}]}).status_code == 200
    lines = [{"line_no": 1, "quantity_received": 400, "note": "ok"}, {"line_no": 2, "quantity_received": 48},
             {"line_no": 3, "quantity_received": 12000}]
    r = field.post(f"/api/convoys/{cid}/delivery", {"received_by": "Council", "lines": lines, "remarks": "late"})
    assert r.status_code == 201, r.content

    cp = Checkpoint.objects.order_by("id").first()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    crossings.submit_crossing_count(client_uuid=uuid.uuid4(), checkpoint_id=cp.pk, direction="out",
                                    bucket_start=now - timedelta(hours=1), bucket_minutes=60,
                                    counts={"women": 15, "children": 10}, note="counted", by=SYSTEM)
    crossings.create_medevac_case(client_uuid=uuid.uuid4(), age_band="18-59", sex="female", triage="urgent",
                                  condition_summary="fracture", corridor_id=cp.corridor_id, by=SYSTEM)
    point = sp.create_service_point(name="Meal station", kind="meal_station", lon=37.2125, lat=36.2445,
                                    capacity_per_hour=10, capacity_per_day=200, units_per_person={"meal": 1},
                                    place_id=scene.origin.pk, corridor_id=cp.corridor_id, opens_at=time(0),
                                    closes_at=time(23, 59), notes="near the exit", by=SYSTEM)
    sp.record_stock(service_point_id=point.pk, item="meal", kind="received", quantity=500, reason="delivery",
                    at=now - timedelta(days=1), by=SYSTEM)
    sp.record_people_served(service_point_id=point.pk, hour_start=now - timedelta(hours=1), people=5, by=SYSTEM)

    incident = incidents.record_incident(
        title="Shelling near the crossing", categories=["access_denial_of_needs"], description="reported",
        geometry={"type": "Point", "coordinates": [37.15, 36.21]}, people_affected={"wounded": 2},
        corridor_ids=[cp.corridor_id], by=SYSTEM)
    incidents.add_source(incident_id=incident.pk, kind="media", name="Agency", statement="it happened",
                         connection="reporter", obtained_where="by phone", by=SYSTEM)
    incidents.set_publication(incident_id=incident.pk, published=True, by=SYSTEM)

    job = jobs.create(kind="plan.route", by=SYSTEM)
    jobs.finish(job.pk, result={"message": "done"}, error="")
    failed = jobs.create(kind="plan.siting", by=SYSTEM)
    jobs.finish(failed.pk, error="no network")
    route = PlanRun.objects.create(
        kind="route", inputs={"weight": "risk"}, network="district graph", status="ok", created_at=now,
        result={"routes": [{"geometry": LINE, "length_m": 1200, "duration_s": 900,
                            "exposure": [{"hazard_id": "h1", "kind": "shelling", "metres": 40, "minutes": 1.5}]}]})
    siting = PlanRun.objects.create(
        kind="siting", inputs={"k": 1}, network="district graph", status="ok", created_at=now,
        result={"sites": ["school"], "covered": 10, "optimal": True, "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.15, 36.21]},
             "properties": {"id": "school"}}]})
    return {"plan_runs": [route.pk, siting.pk], "passwords": demo_world, "incident": incident.pk}


def _routes() -> list[str]:
    """Every page of the urlconfs that answers GET without an argument (the API has its own docs page)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    out: list[str] = []

    def walk(patterns, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if route in ("api/", "admin/", "i18n/"):
                    continue
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and "<" not in route and route != "logout/":
                out.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(out)) + ["/api/docs", "/admin/"]


class Watch:
    """One browser context with the watcher installed; collects dialogs, CSP console errors and 5xx answers."""

    def __init__(self, browser, lang: str, base: str):
        self.ctx = browser.new_context(viewport={"width": 1280, "height": 860})
        self.ctx.add_cookies([{"name": "django_language", "value": lang, "url": base}])
        self.ctx.add_init_script(WATCH)
        self.page = self.ctx.new_page()
        self.lang, self.base, self.problems = lang, base, []
        self.page.on("dialog", lambda d: (self.problems.append(f"{self.page.url}: dialog {d.message}"), d.dismiss()))
        self.page.on("console", lambda m: self.problems.append(f"{self.page.url}: {m.text}")
                     if "Content Security Policy" in m.text else None)
        self.page.on("response", lambda r: self.problems.append(f"{r.url}: HTTP {r.status}")
                     if r.status >= 500 else None)

    def check(self, label: str):
        """Nothing ran, nothing became markup, the policy blocked nothing; a screenshot for the record."""
        self.page.wait_for_timeout(300)  # let a failed <img src=x> report its error
        state = self.page.evaluate("() => ({xss: window.__xss, csp: window.__csp || [], injected: window.__injected || []})")
        assert state["xss"] is None, f"{label}: a payload ran"
        self.problems += [f"{label}: CSP {v}" for v in state["csp"]] + [f"{label}: markup {v}" for v in state["injected"]]
        slug = re.sub(r"[^\w-]+", "_", label).strip("_") or "map"
        self.page.screenshot(path=str(ARTIFACTS / f"xss-{self.lang}-{slug}.png"), full_page=False)

    def hover_all(self, selector: str):
        """Point at every feature (Leaflet opens its tooltip on mouseover), wherever the map has scrolled it."""
        # In one go in the page: the map re-renders (clusters, refreshes), so a list taken first goes stale.
        self.page.evaluate("(sel) => document.querySelectorAll(sel).forEach((el) => el.dispatchEvent("
                           "new MouseEvent('mouseover', {bubbles: true})))", selector)

    def login(self, username: str, password: str):
        sign_in(self.page, self.base, username, password)


def _map_page(w: Watch, plan_runs: list[int]):
    page = w.page
    page.wait_for_function("() => document.body.dataset.layersLoaded === 'true'")
    page.wait_for_function("() => document.body.dataset.servicePointsLoaded === 'true'")
    page.wait_for_function("() => document.querySelector('[data-testid=pause-list]').children.length > 0")
    assert page.locator("[data-testid=sp-marker]").count() >= 1
    assert page.locator("#pause-list .pause-item").count() >= 1, "the poisoned pauses are listed"
    # Real pointer: hover every checkpoint and service point, click a corridor and a service point.
    w.hover_all(".leaflet-marker-icon.leaflet-interactive")
    page.locator("path.leaflet-interactive").first.click(force=True)
    page.locator("[data-testid=sp-marker]").first.click(force=True)
    assert w.page.locator("[data-testid=sp-popup]").count() == 1
    for run_id in plan_runs:
        page.fill("[data-testid=plan-run-id]", str(run_id))
        page.click("[data-testid=plan-show-btn]")
        page.wait_for_function(f"() => document.body.dataset.planShown === '{run_id}'")
        assert page.evaluate(OPEN_ALL_FEATURES) > 300  # every area, site, corridor, checkpoint, service point
        w.check(f"/ (plan run {run_id})")
    # The details of a poisoned corridor show its name as text.
    page.evaluate("""() => window.safePassageMap.groups.corridors.eachLayer(function visit(l) {
      if (l.eachLayer) l.eachLayer(visit); else if (l.feature) l.fire("click"); })""")
    assert re.search(r"__xss|alert\(1\)", page.inner_text("[data-testid=corridor-title]"))


def test_stored_text_never_runs_as_script(browser, live_server, every_model_has_rows):
    from safepassage.accounts.models import User

    coordinator_id = User.objects.get(username="coordinator").pk
    field_id = User.objects.get(username="field").pk
    poisoned = poison_every_text_field()
    # Every model with text got a payload (the check that the loop covered them).
    for label in ("places.Place", "corridors.Corridor", "corridors.Checkpoint", "pauses.Pause",
                  "pauses.PauseResponse", "incidents.Claim", "servicepoints.ServicePoint", "servicepoints.StockEntry",
                  "convoys.Convoy", "convoys.Vehicle", "convoys.ManifestLine", "convoys.Inspection",
                  "convoys.Discrepancy", "convoys.DeliveryReceipt", "crossings.CrossingCount", "crossings.MedevacCase",
                  "deconfliction.Notification", "plans.PlanRun", "jobs.Job", "audit.AuditEntry", "accounts.Party",
                  "accounts.User", "incidents.Incident", "incidents.Source"):
        assert poisoned.get(label), f"{label} has no poisoned text field"
    coordinator = User.objects.get(pk=coordinator_id)
    assert "__xss" in coordinator.username or "alert(1)" in coordinator.username
    password = every_model_has_rows["passwords"]["coordinator"]
    # Pages with an argument: each one's view of a poisoned row.
    routes = _routes() + [f"/incidents/{every_model_has_rows['incident']}/"]
    assert {"/", "/dashboard/", "/convoys/board/", "/crossings/new/", "/claims/", "/audit/", "/jobs/",
            "/login/"} <= set(routes)

    problems: list[str] = []
    for lang in ("en", "ar"):
        anonymous = Watch(browser, lang, live_server.url)
        for route in ("/login/", "/api/docs", "/"):
            anonymous.page.goto(live_server.url + route, wait_until="networkidle")
            anonymous.check(f"anonymous{route}")
        problems += anonymous.problems
        anonymous.ctx.close()

        w = Watch(browser, lang, live_server.url)
        w.login(coordinator.username, password)
        assert w.page.locator("html").get_attribute("lang") == lang
        for route in routes:
            response = w.page.goto(live_server.url + route, wait_until="networkidle")
            assert response is not None and response.status < 500, f"{route}: {response and response.status}"
            if route == "/":
                _map_page(w, every_model_has_rows["plan_runs"])
            elif route == "/dashboard/":
                w.page.wait_for_selector("#exits li")
                w.hover_all("#dash-map path.leaflet-interactive")
            elif route == "/convoys/board/":
                w.page.wait_for_function("() => document.querySelector('[data-testid=board-map]').dataset.loaded === 'true'")
                w.hover_all("#board-map path.leaflet-interactive")
                for summary in w.page.locator("details > summary").all():
                    summary.click()
            w.check(route)
        problems += w.problems
        w.ctx.close()

        # The count form is a field officer's page (a coordinator gets 403): checkpoint names in its menu.
        field = Watch(browser, lang, live_server.url)
        field.login(User.objects.get(pk=field_id).username, every_model_has_rows["passwords"]["field"])
        field.page.goto(live_server.url + "/crossings/new/", wait_until="networkidle")
        assert field.page.locator("select[name=checkpoint_id] option").count() >= 1
        field.check("/crossings/new/ (field officer)")
        problems += field.problems
        field.ctx.close()
    assert problems == [], "\n".join(sorted(set(p.split(": ", 1)[1][:300] for p in problems)))
