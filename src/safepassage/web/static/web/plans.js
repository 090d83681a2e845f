/* Planning on the map: pick two points for a safe route, follow the run's progress, show any plan run (routes, evacuation flows by minute, sites). */
(function () {
  "use strict";
  const MAP = window.safePassageMap;
  const T = SP.strings;
  const esc = SP.esc, api = SP.api;
  const panel = document.getElementById("plan-panel");
  if (!MAP || !panel) return;
  const map = MAP.map;
  const layer = L.featureGroup().addTo(map);
  const ROUTE_COLORS = ["#542788", "#8073ac", "#b2abd2", "#2d004b", "#998ec3"];
  let picking = null, from = null, to = null, hazards = null, lastRun = null, evacGroups = [];

  const out = document.getElementById("plan-result");
  const err = document.getElementById("plan-error");

  function pointsText() {
    document.getElementById("plan-points").textContent =
      (from ? T.planFrom + " " + from.lat.toFixed(4) + ", " + from.lng.toFixed(4) : T.planFrom + " —") + " · " +
      (to ? T.planTo + " " + to.lat.toFixed(4) + ", " + to.lng.toFixed(4) : T.planTo + " —");
  }
  // Roles that may view runs but not start them get no route controls.
  const on = (id, event, fn) => { const el = document.getElementById(id); if (el) el.addEventListener(event, fn); };
  // While a point is picked, markers and shapes let the click through to the map (class "picking").
  const pick = (which) => { picking = which; err.textContent = T.planPick; map.getContainer().classList.toggle("picking", !!which); };
  on("pick-from", "click", () => pick("from"));
  on("pick-to", "click", () => pick("to"));
  map.on("click", (ev) => {
    if (!picking) return;
    if (picking === "from") from = ev.latlng; else to = ev.latlng;
    pick(null); err.textContent = ""; pointsText();
  });
  on("plan-hazards", "change", async (ev) => {
    const f = ev.target.files[0];
    hazards = f ? JSON.parse(await f.text()) : null;
  });

  function drawRoutes(run) {
    layer.clearLayers();
    const routes = run.result.routes;
    routes.forEach((r, i) => {
      L.geoJSON(r.geometry, { style: { color: ROUTE_COLORS[i % ROUTE_COLORS.length], weight: i === 0 ? 7 : 4, opacity: 0.85 } })
        .bindTooltip(T.planRoute + " " + (i + 1)).addTo(layer);
    });
    if (layer.getLayers().length) map.fitBounds(layer.getBounds(), { maxZoom: 16 });
    out.innerHTML = routes.map((r, i) => {
      const exp = r.exposure.length ? r.exposure.map((e) => esc(e.hazard_id) + " (" + esc(e.kind) + "): " + Math.round(e.metres) + " m, " + e.minutes.toFixed(1) + " min").join("; ") : T.planNoExposure;
      return '<div class="plan-route" data-testid="plan-route"><strong>' + T.planRoute + " " + (i + 1) + "</strong>: " + (r.length_m / 1000).toFixed(2) + " km, " + Math.round(r.duration_s / 60) + " min<br>" + T.planExposure + ": " + exp + "</div>";
    }).join("") + (document.getElementById("corridor-from-plan") ? "" : "");
    const cf = document.getElementById("corridor-from-plan");
    if (cf) cf.hidden = false;
  }

  function drawEvacuation(run) {
    layer.clearLayers();
    const r = run.result;
    evacGroups = r.schedule;
    const slider = document.getElementById("evac-minute");
    slider.max = run.inputs.window_min; slider.value = 0; slider.hidden = false;
    out.innerHTML = '<p data-testid="evac-summary">' + T.planEvacuated + ": <strong>" + Number(r.evacuated) + "</strong> / " + T.planUpperBound + " " + Number(r.upper_bound) +
      (r.evacuated === r.upper_bound ? " (" + T.planOptimal + ")" : "") + (r.gap != null ? " · " + T.planGap + " " + (100 * r.gap).toFixed(1) + "%" : "") + "</p>" +
      (r.by_corridor ? '<ul data-testid="evac-by-corridor">' + r.by_corridor.map((c) => "<li>" + esc(c.corridor) + ": " + Number(c.people) + "</li>").join("") + "</ul>" : "") +
      (run.inputs.population ? '<p class="hint">' + run.inputs.population.map((o) => esc(o.name) + " " + Number(o.people) + " (" + esc(o.source) + ", " + esc(o.as_of) + ")").join("; ") + "</p>" : "");
    showMinute(0);
  }
  function showMinute(t) {
    layer.clearLayers();
    evacGroups.forEach((g) => {
      const moving = g.depart_min <= t && t <= g.arrive_min;
      L.geoJSON(g.geometry, { style: { color: moving ? "#d7301f" : "#999", weight: Math.max(2, Math.min(12, Math.sqrt(g.count))), opacity: moving ? 0.9 : 0.3 } })
        .bindTooltip(esc(g.count + " · " + g.depart_min + "→" + g.arrive_min + " min")).addTo(layer);
    });
    document.getElementById("evac-minute-label").textContent = T.planMinute + " " + t;
  }
  document.getElementById("evac-minute").addEventListener("input", (ev) => showMinute(Number(ev.target.value)));

  function drawSiting(run) {
    layer.clearLayers();
    L.geoJSON({ type: "FeatureCollection", features: run.result.features }, {
      pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 9, color: "#000", weight: 2, fillColor: "#fee08b", fillOpacity: 1 }).bindTooltip(esc(f.properties.id)),
    }).addTo(layer);
    out.innerHTML = "<p>" + T.planSites + ": " + run.result.sites.map(esc).join(", ") + " · " + T.planCovered + " " + Number(run.result.covered) + (run.result.optimal ? " (" + T.planOptimal + ")" : "") + "</p>";
  }

  // Plans are computed by the background worker: show its progress until the run has a result or a reason.
  async function follow(run) {
    while (run.status === "queued" || run.status === "running") {
      const p = run.progress || {};
      out.innerHTML = '<p data-testid="plan-progress">' + esc(run.status === "queued" ? T.planQueued : T.planRunning) +
        (p.total ? " " + p.done + "/" + p.total : "") + (p.message ? " · " + esc(p.message) : "") + "</p>";
      await new Promise((resolve) => setTimeout(resolve, 500));
      run = await api("GET", "/api/plans/" + run.id);
    }
    if (run.status === "failed") { out.innerHTML = ""; throw new Error(T.planFailed + ": " + run.error); }
    return run;
  }

  function show(run) {
    lastRun = run;
    document.getElementById("evac-minute").hidden = true;
    document.getElementById("evac-minute-label").textContent = "";
    const cf = document.getElementById("corridor-from-plan");
    if (cf) cf.hidden = true;
    if (run.kind === "route") drawRoutes(run); else if (run.kind === "evacuation") drawEvacuation(run); else drawSiting(run);
    document.body.dataset.planShown = String(run.id);
  }

  on("plan-route-btn", "click", async () => {
    err.textContent = "";
    if (!from || !to) { err.textContent = T.planNeedPoints; return; }
    try {
      const run = await api("POST", "/api/plans/route", { origin: [from.lng, from.lat], destination: [to.lng, to.lat],
        weight: document.getElementById("plan-weight").value, alternatives: Number(document.getElementById("plan-alternatives").value), hazards });
      show(await follow(run));
    } catch (e) { err.textContent = e.message; }
  });
  on("plan-show-btn", "click", async () => {
    err.textContent = "";
    try { show(await follow(await api("GET", "/api/plans/" + encodeURIComponent(SP.digits(document.getElementById("plan-run-id").value))))); } catch (e) { err.textContent = e.message; }
  });
  const cf = document.getElementById("corridor-from-plan");
  if (cf) cf.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const fd = new FormData(cf);
    try {
      const c = await api("POST", "/api/plans/" + lastRun.id + "/corridor", { route_index: 0, name: fd.get("name"), direction: fd.get("direction"),
        eligible_groups: fd.getAll("eligible_groups"), opens_at: fd.get("opens_at"), closes_at: fd.get("closes_at") });
      out.innerHTML += '<p data-testid="plan-corridor-created">' + T.created + ": " + esc(c.name) + "</p>";
      cf.hidden = true;
      await MAP.load(null);
    } catch (e) { err.textContent = e.message; }
  });
  window.safePassagePlans = { show, follow, layer };
})();
