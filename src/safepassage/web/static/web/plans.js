/* Planning on the map: a safe route between two picked points, evacuation and siting plans chosen by name,
   each run followed while the background worker computes it, then drawn with the hazards it used and named
   totals ("2,300 of 8,800 people covered"); never a node number. */
(function () {
  "use strict";
  const MAP = window.safePassageMap;
  const panel = document.getElementById("plan-panel");
  if (!MAP || !panel) return;
  // The map's strings (SP.strings) and the plan panel's own (data-* of #plan-strings), one lookup.
  const T = Object.assign({}, SP.strings, document.getElementById("plan-strings").dataset);
  const esc = SP.esc, api = SP.api;
  const lang = document.documentElement.lang;
  const n = (x, digits) => (x == null ? "—" : new Intl.NumberFormat(lang, { maximumFractionDigits: digits || 0 }).format(x));
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
  const map = MAP.map;
  const layer = L.featureGroup().addTo(map);
  const hazardLayer = L.featureGroup().addTo(map);
  const ROUTE_COLORS = ["#542788", "#8073ac", "#b2abd2", "#2d004b", "#998ec3"];
  const HAZARD_STYLE = { color: "#67001f", weight: 3, dashArray: "2 4", fillColor: "#fdae61", fillOpacity: 0.35 };
  const PLANNING_KIND = { mine_uxo: "hz_mines_uxo_ied", shelling_zone: "hz_shelling_zone", front_line: "hz_front_line",
    incident_cluster: "hzCluster" };
  let picking = null, from = null, to = null, hazards = null, lastRun = null, evacGroups = [], evacHazardLegend = null;

  const out = document.getElementById("plan-result");
  const err = document.getElementById("plan-error");
  const legend = document.getElementById("plan-legend");
  const bar = document.getElementById("plan-progress-bar");
  const name = (o) => (o ? (lang === "ar" && o.name_ar ? o.name_ar : o.name) : "");

  function pointsText() {
    document.getElementById("plan-points").textContent =
      (from ? T.planFrom + " " + from.lat.toFixed(4) + ", " + from.lng.toFixed(4) : T.planFrom + " —") + " · " +
      (to ? T.planTo + " " + to.lat.toFixed(4) + ", " + to.lng.toFixed(4) : T.planTo + " —");
  }
  // Roles that may view runs but not start them get no plan controls.
  const on = (id, event, fn) => { const el = document.getElementById(id); if (el) el.addEventListener(event, fn); };
  // While a point is picked, markers and shapes let the click through to the map (class "picking").
  const pick = (which, hint) => { picking = which; err.textContent = which ? hint || T.planPick : ""; map.getContainer().classList.toggle("picking", !!which); };
  on("pick-from", "click", () => pick("from"));
  on("pick-to", "click", () => pick("to"));
  panel.querySelectorAll(".pick-place").forEach((b) => b.addEventListener("click", () =>
    pick({ target: b.dataset.target, kind: b.dataset.kind }, b.dataset.kind === "area" ? T.pickArea : T.pickPlace)));
  map.on("click", (ev) => {
    if (!picking) return;
    if (picking === "from") from = ev.latlng;
    else if (picking === "to") to = ev.latlng;
    else { const target = picking; pick(null); choosePlaceAt(target, ev.latlng); return; }
    pick(null); pointsText();
  });
  on("plan-hazards", "change", async (ev) => {
    const f = ev.target.files[0];
    hazards = f ? JSON.parse(await f.text()) : null;
  });

  // ---- places by name: the forms' lists, and a click on the map that selects the place under it

  function inRing(pt, ring) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i], [xj, yj] = ring[j];
      if ((yi > pt[1]) !== (yj > pt[1]) && pt[0] < (xj - xi) * (pt[1] - yi) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }
  function inGeometry(pt, g) {
    const polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
    return polys.some((rings) => inRing(pt, rings[0]) && !rings.slice(1).some((hole) => inRing(pt, hole)));
  }
  function choosePlaceAt(target, latlng) {
    const data = MAP.data || {};
    const pt = [latlng.lng, latlng.lat];
    let id = null;
    if (target.kind === "place") {  // a site within 30 px of the click first, else the area under it
      let best = 30;
      ((data.sites || {}).features || []).forEach((f) => {
        const d = map.latLngToContainerPoint([f.geometry.coordinates[1], f.geometry.coordinates[0]]).distanceTo(map.latLngToContainerPoint(latlng));
        if (d < best) { best = d; id = f.properties.id; }
      });
    }
    if (id == null) {
      const area = ((data.areas || {}).features || []).find((f) => inGeometry(pt, f.geometry));
      if (area) id = area.properties.id;
    }
    const sel = document.getElementById(target.target);
    const option = id == null ? null : sel.querySelector('option[value="' + id + '"]');
    if (!option || option.disabled) { err.textContent = T.nothingHere; return; }
    option.selected = true;
    option.scrollIntoView({ block: "nearest" });
  }

  function areaOption(a, needFigure) {
    const figure = a.people == null ? T.noFigure : n(a.people) + " " + T.people + " (" + a.source + ", " + a.as_of + (a.illustrative ? ", " + T.illustrative : "") + ")";
    return '<option value="' + a.id + '"' + (needFigure && a.people == null ? " disabled" : "") + ">" + esc(name(a)) + " — " + esc(figure) + "</option>";
  }
  function keep(sel, html) {
    const chosen = new Set(Array.from(sel.selectedOptions, (o) => o.value));
    sel.innerHTML = html;
    Array.from(sel.options).forEach((o) => { if (chosen.has(o.value) && !o.disabled) o.selected = true; });
  }
  async function loadOptions() {
    const opts = await api("GET", "/api/plans/options");
    const byName = (a, b) => name(a).localeCompare(name(b), lang);
    const areas = opts.areas.slice().sort(byName), sites = opts.sites.slice().sort(byName);
    keep(document.getElementById("evac-areas"), areas.map((a) => areaOption(a, true)).join(""));
    keep(document.getElementById("siting-areas"), areas.map((a) => areaOption(a, true)).join(""));
    keep(document.getElementById("evac-corridors"), opts.corridors.slice().sort(byName).map((c) =>
      '<option value="' + c.id + '"' + (c.capacity_per_minute ? "" : " disabled") + ">" + esc(name(c)) + " — " +
      (c.capacity_per_minute ? n(c.capacity_per_minute, 1) + " " + T.perMinute : T.noCapacity) + "</option>").join(""));
    keep(document.getElementById("siting-candidates"),
      '<optgroup label="' + esc(T.sites) + '">' + sites.map((s) => '<option value="' + s.id + '">' + esc(name(s)) + (s.site_type ? " (" + esc(s.site_type) + ")" : "") + "</option>").join("") + "</optgroup>" +
      '<optgroup label="' + esc(T.areas) + '">' + areas.map((a) => '<option value="' + a.id + '">' + esc(name(a)) + "</option>").join("") + "</optgroup>");
    const pauses = (await api("GET", "/api/pauses?limit=50")).items.filter((p) => ["proposed", "agreed", "active"].includes(p.status));
    keep(document.getElementById("evac-pause"), pauses.map((p) => '<option value="' + p.id + '">' + esc(lang === "ar" && p.title_ar ? p.title_ar : p.title) + " (" + esc(T[p.status] || p.status) + ")</option>").join(""));
    networkNote(opts.network === "district");
    document.body.dataset.planOptionsLoaded = "true";
  }
  function networkNote(district) { document.getElementById("plan-network-note").hidden = !district; }

  // ---- drawing a run: its hazards, its routes, flows or sites, a legend line for each, totals in words

  // A hazard by kind and area (runs stored before hazards were labelled: by the kind the run gives).
  function hazardLabel(id, labels, given) {
    const found = (labels || {})[id];
    const l = found && typeof found === "object" ? found : { kind: given };
    const kind = l.blocked && l.kind === "other" ? T.hzBlocked : T["hz_" + l.kind] || T[PLANNING_KIND[l.kind]] || T.hzOther;
    const where = name(l.area) ? fill(T.hazardIn, { kind, area: name(l.area) }) : kind;
    return l.name ? l.name + " (" + where + ")" : where;
  }
  function drawHazards(run) {
    hazardLayer.clearLayers();
    const fc = run.inputs.hazards;
    if (!fc || !fc.features || !fc.features.length) return 0;
    fc.features.forEach((f, i) => {
      const props = f.properties || {};
      const id = String(props.id != null ? props.id : f.id != null ? f.id : i);
      const tip = "⚠ " + esc(hazardLabel(id, run.inputs.hazard_labels, props.kind));
      const g = f.geometry;
      const shape = g.type === "Point"
        ? L.circle([g.coordinates[1], g.coordinates[0]], Object.assign({ radius: Math.max(Number(props.radius_m) || 0, 40) }, HAZARD_STYLE))
        : L.geoJSON(g, { style: HAZARD_STYLE });
      shape.bindTooltip(tip).addTo(hazardLayer);
    });
    return fc.features.length;
  }
  function drawLegend(lines) {
    legend.innerHTML = lines.map((l) => '<div data-testid="plan-legend-line"><span class="' + (l.area ? "swatch" : "line") + '" data-bg="' + l.color + '"></span>' + esc(l.text) + "</div>").join("");
    legend.querySelectorAll("[data-bg]").forEach((e) => { e.style.background = e.dataset.bg; });  // no inline style under the CSP
  }
  function hazardLegend(run, used) {
    return drawHazards(run) ? [{ color: HAZARD_STYLE.fillColor, area: true, text: used ? T.legendHazards : T.legendHazardsShown }] : [];
  }
  function fit() {
    const b = layer.getBounds();
    if (b.isValid()) map.fitBounds(b.pad(0.3), { maxZoom: 15 });
  }

  function drawRoutes(run) {
    layer.clearLayers();
    const routes = run.result.routes;
    routes.forEach((r, i) => {
      L.geoJSON(r.geometry, { style: { color: ROUTE_COLORS[i % ROUTE_COLORS.length], weight: i === 0 ? 7 : 4, opacity: 0.85 } })
        .bindTooltip(T.planRoute + " " + n(i + 1)).addTo(layer);
    });
    fit();
    drawLegend([{ color: ROUTE_COLORS[0], text: T.legendRoutes }].concat(hazardLegend(run, true)));
    out.innerHTML = routes.map((r, i) => {
      const exp = r.exposure.length ? r.exposure.map((e) => esc(hazardLabel(String(e.hazard_id), run.inputs.hazard_labels, e.kind)) + ": " + n(e.metres) + " m, " + n(e.minutes, 1) + " min").join("; ") : T.planNoExposure;
      return '<div class="plan-route" data-testid="plan-route"><strong>' + T.planRoute + " " + n(i + 1) + "</strong>: " + n(r.length_m / 1000, 2) + " km, " + n(r.duration_s / 60) + " min<br>" + T.planExposure + ": " + exp + "</div>";
    }).join("");
    const cf = document.getElementById("corridor-from-plan");
    if (cf) cf.hidden = false;
  }

  // The population figures a plan used, grouped by source and date (one line per source, not per area).
  function figuresHtml(population) {
    if (!population || !population.length) return "";
    const bySource = new Map();
    population.forEach((o) => {
      // The source is stored text in its own language and the date an ISO date: isolated, never reordered.
      const key = "<bdi>" + esc(o.source) + '</bdi> · <span dir="ltr">' + esc(o.as_of) + "</span>" + (o.illustrative ? " · " + T.illustrative : "");
      if (!bySource.has(key)) bySource.set(key, []);
      bySource.get(key).push("<bdi>" + esc(name(o)) + "</bdi> " + n(o.people));
    });
    // The sources stay in sight; the figure of each area opens on demand when there are many.
    return '<details class="hint" data-testid="plan-figures"' + (population.length <= 6 ? " open" : "") + "><summary>" + T.figures + " (" + n(population.length) + "): " +
      Array.from(bySource.keys()).join("; ") + "</summary>" +
      Array.from(bySource, ([source, items]) => "<p>" + (bySource.size > 1 ? "<strong>" + source + "</strong>: " : "") + items.join("; ") + "</p>").join("") + "</details>";
  }
  function groupText(g) {
    const fromNames = (g.from || []).map(name).join(", ") || "—";
    const toNames = (g.to || []).map((c) => (lang === "ar" && c.corridor_ar ? c.corridor_ar : c.corridor) + " (" + (lang === "ar" && c.checkpoint_ar ? c.checkpoint_ar : c.checkpoint) + ")").join(", ") || "—";
    return fill(T.group, { count: n(g.count), from: fromNames, to: toNames, depart: n(g.depart_min), arrive: n(g.arrive_min) });
  }
  function drawEvacuation(run) {
    layer.clearLayers();
    const r = run.result, inputs = run.inputs;
    evacGroups = r.schedule;
    const total = r.total_people != null ? r.total_people : (inputs.origins || []).reduce((s, o) => s + Number(o[2]), 0);
    const slider = document.getElementById("evac-minute");
    slider.max = inputs.window_min; slider.value = 0; slider.hidden = false;
    out.innerHTML = (inputs.pause ? '<p data-testid="evac-pause-title">' + T.pause + ": <strong>" + esc(inputs.pause.title) + "</strong></p>" : "") +
      '<p data-testid="evac-summary"><strong data-testid="plan-total">' + esc(fill(T.evacOf, { evacuated: n(r.evacuated), total: n(total) })) + "</strong><br>" +
      T.planUpperBound + " " + n(r.upper_bound) + (r.evacuated === r.upper_bound ? " (" + T.planOptimal + ")" : "") +
      (r.gap != null ? " · " + T.planGap + " " + n(100 * r.gap, 1) + "%" : "") + "</p>" +
      (r.by_corridor ? "<h4>" + T.byCorridor + '</h4><ul data-testid="evac-by-corridor">' + r.by_corridor.map((c) => "<li>" + esc(lang === "ar" && c.corridor_ar ? c.corridor_ar : c.corridor) + ": " + n(c.people) + " " + T.people + "</li>").join("") + "</ul>" : "") +
      figuresHtml(inputs.population);
    evacHazardLegend = hazardLegend(run, true);
    showMinute(0);
    fit();
  }
  function showMinute(t) {
    layer.clearLayers();
    evacGroups.forEach((g) => {
      const moving = g.depart_min <= t && t <= g.arrive_min;
      L.geoJSON(g.geometry, { style: { color: moving ? "#d7301f" : "#999", weight: Math.max(2, Math.min(12, Math.sqrt(g.count))), opacity: moving ? 0.9 : 0.3 } })
        .bindTooltip(esc(groupText(g))).addTo(layer);
    });
    drawLegend([{ color: "#d7301f", text: T.legendMoving }, { color: "#999", text: T.legendWaiting }].concat(evacHazardLegend || []));
    document.getElementById("evac-minute-label").textContent = T.planMinute + " " + n(t);
  }
  document.getElementById("evac-minute").addEventListener("input", (ev) => showMinute(Number(ev.target.value)));

  function drawSiting(run) {
    layer.clearLayers();
    const r = run.result;
    L.geoJSON({ type: "FeatureCollection", features: r.features }, {
      pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 9, color: "#000", weight: 2, fillColor: "#fee08b", fillOpacity: 1 }).bindTooltip(esc(name(f.properties) || f.properties.id)),
    }).addTo(layer);
    fit();
    drawLegend([{ color: "#fee08b", area: true, text: T.legendSites }].concat(hazardLegend(run, false)));
    const total = r.total_demand != null ? r.total_demand : (run.inputs.demand || []).reduce((s, d) => s + Number(d[2]), 0);
    const totals = total ? fill(T.coveredOf, { covered: n(r.covered), total: n(total) }) : T.planCovered + " " + n(r.covered);
    out.innerHTML = '<p data-testid="siting-summary"><strong data-testid="plan-total">' + esc(totals) + "</strong>" +
      (r.optimal ? " (" + T.planOptimal + ")" : "") + "<br>" + T.planSites + ': <span data-testid="siting-sites">' +
      r.features.map((f) => esc(name(f.properties) || f.properties.id)).join(", ") + "</span></p>" +
      figuresHtml(run.inputs.population);
  }

  // Plans are computed by the background worker: show its progress until the run has a result or a reason.
  async function follow(run) {
    while (run.status === "queued" || run.status === "running") {
      const p = run.progress || {};
      bar.hidden = false; bar.max = p.total || 3; bar.value = p.done || 0;
      out.innerHTML = '<p data-testid="plan-progress">' + esc(run.status === "queued" ? T.planQueued : T.planRunning) +
        (p.total ? " " + n(p.done) + "/" + n(p.total) + " · " + esc(T["step" + p.done] || "") : "") + "</p>";
      await new Promise((resolve) => setTimeout(resolve, 500));
      run = await api("GET", "/api/plans/" + run.id);
    }
    bar.hidden = true;
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
    if (String(run.network).startsWith("district graph")) networkNote(true);
    document.body.dataset.planShown = String(run.id);
  }
  async function start(post) {
    err.textContent = "";
    try {
      const run = await post();
      out.scrollIntoView({ block: "nearest" });  // the progress, then the result, where the planner looks
      show(await follow(run));
      legend.scrollIntoView({ block: "nearest" });
    } catch (e) { err.textContent = e.message; }
  }

  on("plan-route-btn", "click", () => {
    if (!from || !to) { err.textContent = T.planNeedPoints; return; }
    start(() => api("POST", "/api/plans/route", { origin: [from.lng, from.lat], destination: [to.lng, to.lat],
      weight: document.getElementById("plan-weight").value, alternatives: Number(document.getElementById("plan-alternatives").value), hazards }));
  });
  const chosen = (id) => Array.from(document.getElementById(id).selectedOptions, (o) => Number(o.value));
  function whole(form, field, label) {
    const text = SP.digits(form.elements[field].value);
    if (!/^\d+$/.test(text)) throw new Error(label + ": " + T.badNumber);
    return Number(text);
  }
  on("evac-form", "submit", (ev) => {
    ev.preventDefault();
    const form = ev.target;
    start(async () => {
      const body = { area_ids: chosen("evac-areas"), corridor_ids: chosen("evac-corridors"), window_min: whole(form, "window_min", T.window) };
      if (!body.area_ids.length || !body.corridor_ids.length) throw new Error(T.needChoice);
      return api("POST", "/api/plans/evacuation/places", body);
    });
  });
  on("siting-form", "submit", (ev) => {
    ev.preventDefault();
    const form = ev.target;
    start(async () => {
      const body = { candidate_ids: chosen("siting-candidates"), area_ids: chosen("siting-areas"), k: whole(form, "k", T.k),
        objective: form.elements.objective.value };
      if (body.objective === "mclp") body.radius_m = whole(form, "radius_m", T.radius);
      if (!body.candidate_ids.length || !body.area_ids.length) throw new Error(T.needChoice);
      return api("POST", "/api/plans/siting/places", body);
    });
  });
  on("evac-pause-run", "click", () => start(async () => {
    const id = document.getElementById("evac-pause").value;
    if (!id) throw new Error(T.needChoice);
    return api("POST", "/api/pauses/" + encodeURIComponent(id) + "/evacuation-plan");
  }));
  on("plan-show-btn", "click", () => start(() => api("GET", "/api/plans/" + encodeURIComponent(SP.digits(document.getElementById("plan-run-id").value)))));
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
  if (document.getElementById("evac-form")) loadOptions().catch((e) => { err.textContent = e.message; });
  window.safePassagePlans = { show, follow, layer, hazardLayer, loadOptions };
})();
