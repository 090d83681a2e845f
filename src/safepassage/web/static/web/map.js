/* Safe Passage operational map: layers from /api/map/layers, forms that post to the API. */
(function () {
  "use strict";
  const T = SP.strings;
  const esc = SP.esc, api = SP.api;
  const CFG = JSON.parse(document.getElementById("page-config").textContent);
  const RTL = document.documentElement.dir === "rtl";
  const lang = document.documentElement.lang;
  const STATUS_COLOR = { open: "#1a9850", outside_hours: "#777777", suspended: "#f28e2b", closed: "#d73027" };
  const DRAWN = ["open", "outside_hours", "suspended", "closed"];
  const SITE_COLOR = { religious: "#7b3294", commercial: "#e08214", civic: "#2166ac", educational: "#1b7837",
    residential: "#8c510a", hospital: "#b2182b" };
  // Service points: the fill shows arrivals against capacity, the ring the stock. The levels are the exit
  // picture's own (GET /api/servicepoints/exits); only their names and colours are chosen here.
  const SP_LOAD = { ok: "ok", warning: "busy", critical: "overloaded" };
  const SP_STOCK = { ok: "ok", warning: "low", critical: "verylow" };
  const LOAD_COLOR = { ok: "#1a9850", busy: "#f28e2b", overloaded: "#d73027" };
  const STOCK_COLOR = { none: "#333333", ok: "#333333", low: "#f28e2b", verylow: "#d73027", out: "#67001f" };
  const LOAD_TEXT = { ok: "loadOk", busy: "loadBusy", overloaded: "loadOverloaded" };
  const STOCK_TEXT = { none: "noStock", ok: "stockOk", low: "stockLow", verylow: "stockVeryLow", out: "stockOut" };
  const SP_REFRESH_MS = 30000;

  const map = L.map("map", { preferCanvas: false, zoomControl: true }).setView([36.2, 37.15], 13);
  // No flag or political symbol in a neutral tool: plain attribution only.
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  map.attributionControl.addAttribution("Columbia CSR, Conflict Urbanism: Aleppo (MIT)");
  const groups = { areas: L.featureGroup(), corridors: L.featureGroup(), checkpoints: L.featureGroup(),
    sites: L.featureGroup(), pauses: L.featureGroup(), hazards: L.featureGroup() };
  const MAP_LAYERS = Object.keys(groups);  // redrawn from /api/map/layers
  if (CFG.canViewServicePoints) groups.servicepoints = L.featureGroup();
  Object.values(groups).forEach((g) => g.addTo(map));
  let fitted = false;
  let current = null;

  function label(p) { return lang === "ar" && p.name_ar ? p.name_ar : p.name; }
  // a party by its short name (as the API gives it), shown by its Arabic name on Arabic pages
  const partyNames = {};
  function partyName(shortName) { return partyNames[shortName] || shortName || ""; }
  function fmt(iso) {
    if (!iso) return "";
    return SP.dateTime(iso, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC";
  }

  function showDetails(html) {
    document.getElementById("details-body").innerHTML = html;
    document.getElementById("details").hidden = false;
  }

  function bearing(a, b) {
    return Math.atan2(b.lng - a.lng, b.lat - a.lat) * 180 / Math.PI;
  }
  function arrow(latlng, angle, color) {
    // Styles through the DOM, not a style attribute: the Content-Security-Policy allows no inline style.
    const div = document.createElement("div");
    div.textContent = "▲";
    div.style.transform = "rotate(" + angle + "deg)";
    div.style.color = color;
    return L.marker(latlng, { interactive: false, keyboard: false, icon: L.divIcon({ className: "arrow-icon",
      html: div, iconSize: [14, 14] }) });
  }
  function addArrows(layer, feature, color) {
    const coords = feature.geometry.type === "LineString" ? [feature.geometry.coordinates] : feature.geometry.coordinates;
    coords.forEach((line) => {
      const pts = line.map((c) => L.latLng(c[1], c[0]));
      [0.33, 0.66].forEach((f) => {
        const k = Math.min(pts.length - 1, Math.max(1, Math.round(f * (pts.length - 1))));
        const a = pts[k - 1], b = pts[k];
        const mid = L.latLng(a.lat + (b.lat - a.lat) * f, a.lng + (b.lng - a.lng) * f);
        const ang = bearing(a, b), d = feature.properties.direction;
        if (d === "out" || d === "both") layer.addLayer(arrow(mid, ang, color));
        if (d === "in" || d === "both") layer.addLayer(arrow(mid, ang + 180, color));
      });
    });
  }

  function corridorHtml(p) {
    const groupsTxt = (p.eligible_groups || []).map((g) => esc(T[g] || g)).join(", ");
    let html = '<h3 data-testid="corridor-title">' + esc(label(p)) + "</h3>" +
      "<dl><dt>" + T.status + '</dt><dd data-testid="corridor-status"><span class="badge ' + esc(p.status) + '">' + esc(T[p.status] || p.status) + "</span> " +
      T.since + " " + fmt(p.status_since) + "</dd>" +
      (p.drawn_as === "outside_hours" ? ' <span class="badge outside_hours" data-testid="corridor-outside-hours">' + esc(T.outside_hours) + "</span>" : "") +
      "<dt>" + T.reason + "</dt><dd>" + esc(p.status_reason) + "</dd>" +
      "<dt>" + T.direction + "</dt><dd>" + esc(T[p.direction] || p.direction) + "</dd>" +
      "<dt>" + T.hours + "</dt><dd>" + esc(p.opens_at) + "–" + esc(p.closes_at) + " (" + esc(p.timezone) + ")</dd>" +
      (p.open_until ? "<dt>" + T.openUntil + "</dt><dd>" + fmt(p.open_until) + "</dd>" : "") +
      "<dt>" + T.groups + "</dt><dd>" + groupsTxt + "</dd></dl>";
    html += hazardListHtml((p.hazards || []).map((w) => Object.assign({ corridor_id: p.id, corridor_status: p.status }, w)));
    if (CFG.canSetStatus) {
      html += '<form id="status-form" data-id="' + p.id + '"><h4>' + T.changeStatus + "</h4>" +
        '<select name="status">' + ["open", "suspended", "closed"].map((s) => '<option value="' + s + '"' + (s === p.status ? " selected" : "") + ">" + T[s] + "</option>").join("") + "</select>" +
        '<input name="reason" required placeholder="' + T.reason + '"> <button type="submit">' + T.save + '</button><p class="error" role="alert"></p></form>';
    }
    return html;
  }

  function areaHtml(p, data) {
    let html = '<h3>' + esc(label(p)) + "</h3><p>" + T.area + (p.pcode ? " · " + esc(p.pcode) : "") + "</p>";
    if (!data.control_visible) return html + '<p class="hint">' + T.controlHidden + "</p>";
    if (!p.control_since) return html + "<p>" + T.noControl + "</p>";
    return html + "<dl><dt>" + T.controlledBy + "</dt><dd>" + esc(partyName(p.party) || T[p.control_status] || p.control_status) +
      " (" + T.since + " " + fmt(p.control_since) + ")</dd><dt>" + T.source + "</dt><dd>" + esc(p.control_source) + "</dd></dl>";
  }

  // Hazard warnings: public wording built from the warning's parts, so that it is translated.
  function hazardText(w) {
    return (T["hz_" + w.kind] || w.kind) + " " + (T["hz_" + w.status] || w.status) + " " + T.hzAt + " " +
      Number(w.location.lat).toFixed(4) + ", " + Number(w.location.lon).toFixed(4) + ", " +
      (w.verification === "verified" ? T.hzVerified : T.hzUnverified) + ", " + T.since + " " + fmt(w.since);
  }
  function hazardListHtml(items) {
    if (!items.length) return "";
    return '<div class="hazard-warning" role="alert" data-testid="hazard-warning"><strong>⚠ ' + T.hazardWarnings + "</strong><ul>" +
      items.map((w) => '<li data-hazard="' + w.hazard_id + '">' + (w.corridor ? "<strong>" + esc(w.corridor) + "</strong>: " : "") + esc(hazardText(w)) +
        (CFG.canSetStatus && w.corridor_status !== "suspended" ? ' <button type="button" class="suspend-from-hazard" data-testid="suspend-from-hazard" data-hazard="' +
          w.hazard_id + '" data-corridor="' + w.corridor_id + '">' + T.hzSuspend + "</button>" : "") + "</li>").join("") + "</ul></div>";
  }
  function bindSuspendButtons(root) {
    root.querySelectorAll(".suspend-from-hazard").forEach((b) => b.addEventListener("click", async () => {
      try {
        await api("POST", "/api/hazards/" + b.dataset.hazard + "/suspend-corridor/" + b.dataset.corridor);
        await load(currentAt());
        const f = current.corridors.features.find((x) => String(x.properties.id) === b.dataset.corridor);
        if (f && document.getElementById("details").contains(b)) { showDetails(corridorHtml(f.properties)); bindStatusForm(); }
      } catch (e) { b.after(document.createTextNode(" " + e.message)); }
    }));
  }
  function renderHazards(data) {
    L.geoJSON(data.hazards || { type: "FeatureCollection", features: [] }, {
      pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 8, color: "#67001f", weight: 2, fillColor: "#fdae61", fillOpacity: 0.9, className: "hazard-marker" }),
      style: { color: "#67001f", weight: 3, dashArray: "2 4", fillColor: "#fdae61", fillOpacity: 0.35 },
      onEachFeature: (f, layer) => layer.bindTooltip("⚠ " + esc(hazardText(f.properties))),
    }).addTo(groups.hazards);
    // Everyone sees the warnings; coordinators can suspend a corridor from them in one step.
    const items = [];
    data.corridors.features.forEach((f) => (f.properties.hazards || []).forEach((w) =>
      items.push(Object.assign({ corridor: label(f.properties), corridor_id: f.properties.id, corridor_status: f.properties.status }, w))));
    let banner = document.getElementById("hazard-banner");
    if (!banner) {
      banner = document.createElement("section");
      banner.id = "hazard-banner";
      banner.dataset.testid = "hazard-banner";
      document.getElementById("open-now").parentElement.before(banner);
    }
    banner.innerHTML = hazardListHtml(items);
    banner.hidden = !items.length;
    bindSuspendButtons(banner);
  }

  function render(data) {
    current = data;
    MAP_LAYERS.forEach((k) => groups[k].clearLayers());
    const partyColor = {};
    data.parties.forEach((p) => { partyColor[p.id] = p.color; partyNames[p.short_name] = lang === "ar" && p.name_ar ? p.name_ar : p.short_name; });
    const pausedCorridors = new Set();
    data.pauses.forEach((p) => p.corridor_ids.forEach((i) => pausedCorridors.add(i)));

    L.geoJSON(data.areas, {
      style: (f) => ({ color: "#555", weight: 1, fillOpacity: 0.35,
        fillColor: f.properties.party_id ? partyColor[f.properties.party_id] : (f.properties.control_status === "contested" ? "#bbbbbb" : "#eeeeee") }),
      onEachFeature: (f, layer) => {
        layer.bindTooltip(esc(label(f.properties)), { sticky: true });
        layer.on("click", () => showDetails(areaHtml(f.properties, data)));
      },
    }).addTo(groups.areas);

    data.pauses.forEach((p) => {
      const pausePlaces = new Set(p.place_ids);
      L.geoJSON(data.areas, { filter: (f) => pausePlaces.has(f.properties.id),
        style: { color: "#2b83ba", weight: 3, dashArray: "6 4", fill: false },
        onEachFeature: (f, layer) => layer.bindTooltip(pauseLabel(p)) }).addTo(groups.pauses);
    });

    L.geoJSON(data.sites, {
      pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 4, weight: 1, color: "#333", fillOpacity: 0.9,
        fillColor: SITE_COLOR[f.properties.site_type] || "#666" }),
      onEachFeature: (f, layer) => {
        layer.bindTooltip(esc(label(f.properties)));
        layer.on("click", () => showDetails("<h3>" + esc(label(f.properties)) + "</h3><p>" + T.site + " · " + esc(f.properties.site_type) + "</p>"));
      },
    }).addTo(groups.sites);

    L.geoJSON(data.corridors, {
      style: (f) => ({ color: STATUS_COLOR[f.properties.drawn_as] || "#333", weight: pausedCorridors.has(f.properties.id) ? 7 : 5,
        dashArray: f.properties.drawn_as === "open" ? null : "8 6", opacity: 0.9 }),
      onEachFeature: (f, layer) => {
        layer.options.className = "corridor corridor-" + f.properties.id + " corridor-" + f.properties.drawn_as;
        layer.bindTooltip(esc(label(f.properties)) + " · " + esc(T[f.properties.drawn_as] || f.properties.drawn_as));
        layer.on("click", () => { showDetails(corridorHtml(f.properties)); bindStatusForm(); bindSuspendButtons(document.getElementById("details")); });
        addArrows(groups.corridors, f, STATUS_COLOR[f.properties.drawn_as] || "#333");
      },
    }).addTo(groups.corridors);

    L.geoJSON(data.checkpoints, {
      pointToLayer: (f, ll) => L.marker(ll, { icon: L.divIcon({ className: "checkpoint-icon", html: "■", iconSize: [14, 14] }) }),
      onEachFeature: (f, layer) => layer.bindTooltip(esc(label(f.properties))),
    }).addTo(groups.checkpoints);

    renderHazards(data);
    renderLegend(data);
    renderOpenNow(data);
    fillScopes();
    fillChoices(document.getElementById("pause-corridors"), data.corridors.features);
    fillChoices(document.getElementById("pause-areas"), data.areas.features);
    if (!fitted && groups.areas.getLayers().length) { map.fitBounds(groups.areas.getBounds()); fitted = true; }
    document.body.dataset.layersLoaded = "true";
  }

  /** The pause form's choices of corridors or areas, by name, keeping what was already selected. */
  function fillChoices(sel, features) {
    if (!sel) return;
    const chosen = new Set(Array.from(sel.selectedOptions, (o) => o.value));
    const items = features.map((f) => f.properties).sort((a, b) => label(a).localeCompare(label(b), lang));
    sel.innerHTML = items.map((p) => '<option value="' + p.id + '"' + (chosen.has(String(p.id)) ? " selected" : "") + ">" + esc(label(p)) + "</option>").join("");
  }

  function renderLegend(data) {
    let html = data.parties.map((p) => '<div><span class="swatch" data-bg="' + esc(p.color) + '"></span>' + esc(partyName(p.short_name)) + "</div>").join("");  // one name for a party everywhere (Arabic on Arabic pages)
    if (!data.control_visible) html += '<p class="hint">' + T.controlHidden + "</p>";
    html += DRAWN.map((s) => '<div><span class="line" data-bg="' + STATUS_COLOR[s] + '"></span>' + T.corridor + " " + T[s] + "</div>").join("");
    if (groups.servicepoints) {
      html += '<div class="legend-title">' + T.servicePoints + "</div>" +
        ["meal_station", "first_aid", "reception_centre"].map((k) => '<div><span class="sp sp-legend sp-kind-' + k + '"></span>' + T[k] + "</div>").join("") +
        ["ok", "busy", "overloaded"].map((s) => '<div><span class="sp sp-legend" data-bg="' + LOAD_COLOR[s] + '"></span>' + T[LOAD_TEXT[s]] + "</div>").join("") +
        ["low", "verylow", "out"].map((s) => '<div><span class="sp sp-legend sp-stock-' + s + '" data-border="' + STOCK_COLOR[s] + '"></span>' + T[STOCK_TEXT[s]] + "</div>").join("") +
        '<p class="hint">' + T.spLegend + "</p>";
    }
    const legend = document.getElementById("legend");
    legend.innerHTML = html;
    // Colours through the DOM (no inline style under the Content-Security-Policy); a bad value is ignored.
    legend.querySelectorAll("[data-bg]").forEach((e) => { e.style.background = e.dataset.bg; });
    legend.querySelectorAll("[data-border]").forEach((e) => { e.style.borderColor = e.dataset.border; });
  }

  function pauseLabel(p) {
    return T.pause + ": " + esc(lang === "ar" && p.title_ar ? p.title_ar : p.title) + " · " + statusBadge(p.status);
  }
  function statusBadge(status) { return '<span class="badge ' + esc(status) + '">' + esc(T[status] || status) + "</span>"; }

  function renderOpenNow(data) {
    const open = data.corridors.features.filter((f) => f.properties.open_now);
    let html = open.length ? "<ul>" + open.map((f) => "<li><strong>" + esc(label(f.properties)) + "</strong> — " + T.openUntil + " " + fmt(f.properties.open_until) +
      (f.properties.hazards || []).map((w) => '<br><span class="hazard-inline" data-testid="open-now-hazard">⚠ ' + esc(hazardText(w)) + "</span>").join("") + "</li>").join("") + "</ul>"
      : "<p>" + T.nothingOpen + "</p>";
    html += data.pauses.map((p) => '<p class="pause">' + T.pause + ": <strong>" + esc(lang === "ar" && p.title_ar ? p.title_ar : p.title) + "</strong> " +
      statusBadge(p.status) + " — " + T.pauseUntil + " " + fmt(p.ends_at) + "</p>").join("");
    document.getElementById("open-now").innerHTML = html;
  }

  let loadSeq = 0;
  async function load(at) {
    const url = "/api/map/layers" + (at ? "?at=" + encodeURIComponent(at) : "");
    const seq = ++loadSeq;
    document.body.dataset.layersLoaded = "false";
    const data = await api("GET", url);
    if (seq !== loadSeq) return;  // a newer request was made meanwhile: never show an older picture
    document.getElementById("at-label").textContent = T.pictureAt + ": " + (at ? fmt(at) : T.now);
    render(data);
  }

  // Service points at corridor exits (servicepoints.view): refreshed every 30 s without reloading the page.
  function spStatus(p) {
    let stock = "none";
    if (p.out_of_stock.length) stock = "out";
    else if (p.stock.length) stock = SP_STOCK[p.stock_level] || "ok";
    return { load: SP_LOAD[p.load_level] || "ok", stock };
  }
  function num(n) { return SP.num(n); }
  function spIcon(p, s) {
    // Built as DOM nodes: stored text never parsed as HTML, colours set without an inline style attribute.
    const span = document.createElement("span");
    span.className = "sp sp-kind-" + String(p.kind).replace(/\s/g, "_") + " sp-load-" + s.load + " sp-stock-" + s.stock;
    Object.assign(span.dataset, { testid: "sp-marker", id: p.id, load: s.load, stock: s.stock });
    span.style.background = LOAD_COLOR[s.load];
    span.style.borderColor = STOCK_COLOR[s.stock];
    return L.divIcon({ className: "sp-icon", iconSize: [22, 22], iconAnchor: [11, 11], popupAnchor: [0, -10], html: span });
  }
  function spHtml(p, exit) {
    const s = spStatus(p);
    const items = p.stock.map((i) => '<li data-item="' + esc(i.item) + '"><bdi>' + esc(i.item) + "</bdi> — " + T.inStock + ": " + num(i.balance) +
      (i.days_left == null ? "" : "; " + T.daysLeft + ": " + num(i.days_left)) + "</li>").join("");
    const warnings = p.load_warnings.concat(p.warnings);
    return '<div class="sp-popup" data-testid="sp-popup" data-id="' + p.id + '"><h3 data-testid="sp-name">' + esc(label(p)) + "</h3>" +
      '<p data-testid="sp-kind">' + esc(T[p.kind] || p.kind) + (p.place ? " · " + esc(p.place) : "") + "<br>" + T.corridor + ": " + esc(exit.corridor) +
      " (" + esc(T[exit.direction] || exit.direction) + ")</p><dl>" +
      "<dt>" + T.load + '</dt><dd data-testid="sp-load"><span class="badge sp-' + s.load + '">' + T[LOAD_TEXT[s.load]] + "</span></dd>" +
      "<dt>" + T.capacityPerHour + "</dt><dd>" + num(p.capacity_per_hour) + "</dd>" +
      "<dt>" + T.capacityPerDay + "</dt><dd>" + num(p.capacity_per_day) + "</dd>" +
      "<dt>" + T.arrivalsLastHour + '</dt><dd data-testid="sp-arrivals">' + num(exit.arrivals_last_hour) + "</dd>" +
      "<dt>" + T.servedLastHour + '</dt><dd data-testid="sp-served">' + num(p.served_last_hour) + "</dd>" +
      "<dt>" + T.stock + '</dt><dd data-testid="sp-stock"><span class="badge sp-stock-' + s.stock + '">' + T[STOCK_TEXT[s.stock]] + "</span>" +
      (items ? "<ul>" + items + "</ul>" : "") + "</dd></dl>" +
      // The warnings are worded by the server, in English.
      (warnings.length ? "<h4>" + T.warnings + '</h4><ul class="sp-warnings" lang="en" dir="ltr" data-testid="sp-warnings">' +
        warnings.map((w) => "<li>" + esc(w) + "</li>").join("") + "</ul>" : "") + "</div>";
  }

  let spSeq = 0, spExits = null;
  const spMarkers = new Map();  // service point id -> marker, updated in place so an open popup stays open
  async function loadServicePoints() {
    const g = groups.servicepoints;
    if (!g) return;
    const at = currentAt(), seq = ++spSeq, state = document.getElementById("sp-state");
    document.body.dataset.servicePointsLoaded = "false";
    let exits;
    try {
      exits = await api("GET", "/api/servicepoints/exits" + (at ? "?at=" + encodeURIComponent(at) : ""));
    } catch (e) {
      if (seq === spSeq) { state.textContent = T.spRefreshFailed; document.body.dataset.servicePointsLoaded = "error"; }
      return;
    }
    if (seq !== spSeq) return;  // the time picker changed meanwhile: never show an older picture
    const seen = new Set();
    exits.forEach((x) => x.service_points.forEach((p) => {
      seen.add(p.id);
      let m = spMarkers.get(p.id);
      if (!m) {
        m = L.marker([p.lat, p.lon], { icon: spIcon(p, spStatus(p)), title: label(p), riseOnHover: true });
        m.servicePoint = p;
        m.bindTooltip(() => esc(label(m.servicePoint)) + " · " + esc(T[m.servicePoint.kind] || m.servicePoint.kind));
        m.bindPopup(() => spHtml(m.servicePoint, m.exit), { maxWidth: 320 });
        spMarkers.set(p.id, m);
        g.addLayer(m);
      }
      m.servicePoint = p; m.exit = x;
      m.setLatLng([p.lat, p.lon]);
      m.setIcon(spIcon(p, spStatus(p)));
      if (m.isPopupOpen()) m.getPopup().update();
    }));
    spMarkers.forEach((m, id) => { if (!seen.has(id)) { g.removeLayer(m); spMarkers.delete(id); } });
    spExits = exits;
    state.textContent = T.updated + " " + SP.dateTime(new Date(), { timeStyle: "short" }) +
      " · " + T.pictureAt + ": " + (at ? fmt(at) : T.now);
    document.body.dataset.servicePointsAt = at || "now";
    document.body.dataset.servicePointsLoaded = "true";
  }
  if (groups.servicepoints) {
    setInterval(() => { if (!document.hidden && map.hasLayer(groups.servicepoints)) loadServicePoints(); }, SP_REFRESH_MS);
    document.addEventListener("visibilitychange", () => { if (!document.hidden) loadServicePoints(); });
  }

  function bindStatusForm() {
    const form = document.getElementById("status-form");
    if (!form) return;
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const fd = new FormData(form);
      try {
        await api("POST", "/api/corridors/" + form.dataset.id + "/status", { status: fd.get("status"), reason: fd.get("reason") });
        await load(currentAt());
        const f = current.corridors.features.find((x) => String(x.properties.id) === form.dataset.id);
        if (f) { showDetails(corridorHtml(f.properties)); bindStatusForm(); bindSuspendButtons(document.getElementById("details")); }
      } catch (e) { form.querySelector(".error").textContent = e.message; }
    });
  }

  // Layer toggles
  document.querySelectorAll("input[data-layer]").forEach((box) => box.addEventListener("change", () => {
    const g = groups[box.dataset.layer];
    if (box.checked) g.addTo(map); else map.removeLayer(g);
    if (box.checked && box.dataset.layer === "servicepoints") loadServicePoints();
  }));

  // Time travel: the moment shown is in the address (?at=, UTC), so a picture can be shared.
  const atInput = document.getElementById("at-input");
  function currentAt() { return atInput.value ? new Date(atInput.value + "Z").toISOString() : null; }
  function atFromAddress() {
    const raw = new URLSearchParams(location.search).get("at") || "";
    const d = new Date(/(Z|[+-]\d\d:?\d\d)$/i.test(raw) ? raw : raw + "Z");  // no zone given: UTC, as the picker
    return isNaN(d.getTime()) ? "" : d.toISOString().slice(0, 16);
  }
  function writeAddress(at) {
    const rest = new URLSearchParams(location.search);
    rest.delete("at");
    const query = [at ? "at=" + at.slice(0, 16) + "Z" : "", rest.toString()].filter(Boolean).join("&");  // readable: no %3A
    const path = location.pathname + (query ? "?" + query : "");
    history.replaceState(history.state, "", path + location.hash);
    const next = document.querySelector("#lang-form input[name=next]");  // switching language keeps the moment
    if (next) next.value = path;
  }
  function showMoment() { const at = currentAt(); writeAddress(at); load(at); loadServicePoints(); }
  atInput.value = atFromAddress();
  atInput.addEventListener("change", showMoment);
  document.getElementById("at-now").addEventListener("click", () => { atInput.value = ""; showMoment(); });

  // Drawing a corridor line
  let drawing = false, drawPts = [], drawLine = null, drawnGeometry = null;
  function setLine(geom) {
    drawnGeometry = geom;
    document.getElementById("line-state").textContent = T.lineReady + " (" + geom.coordinates.length + " " + T.points + ")";
  }
  const drawBtn = document.getElementById("draw-line");
  if (drawBtn) {
    drawBtn.addEventListener("click", () => {
      drawing = true; drawPts = []; map.doubleClickZoom.disable();
      if (drawLine) map.removeLayer(drawLine);
      drawLine = L.polyline([], { color: "#000", dashArray: "4 4" }).addTo(map);
      document.getElementById("line-state").textContent = T.drawing;
    });
    map.on("click", (ev) => { if (drawing) { drawPts.push(ev.latlng); drawLine.setLatLngs(drawPts); } });
    map.on("dblclick", () => {
      if (!drawing) return;
      drawing = false; map.doubleClickZoom.enable();
      const uniq = drawPts.filter((p, i) => i === 0 || !p.equals(drawPts[i - 1]));
      setLine({ type: "LineString", coordinates: uniq.map((p) => [p.lng, p.lat]) });
    });
    document.getElementById("line-file").addEventListener("change", async (ev) => {
      const file = ev.target.files[0];
      if (!file) return;
      try {
        let g = JSON.parse(await file.text());
        if (g.type === "FeatureCollection") g = g.features[0];
        if (g.type === "Feature") g = g.geometry;
        setLine(g);
        if (drawLine) map.removeLayer(drawLine);
        drawLine = L.geoJSON(g, { style: { color: "#000", dashArray: "4 4" } }).addTo(map);
      } catch (e) { document.getElementById("corridor-error").textContent = e.message; }
    });
    document.getElementById("corridor-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const form = ev.target, fd = new FormData(form), err = document.getElementById("corridor-error");
      err.textContent = "";
      try {
        const body = { name: fd.get("name"), name_ar: fd.get("name_ar"), direction: fd.get("direction"),
          eligible_groups: fd.getAll("eligible_groups"), opens_at: fd.get("opens_at"), closes_at: fd.get("closes_at"),
          geometry: drawnGeometry };
        const c = await api("POST", "/api/corridors", body);
        form.reset(); drawnGeometry = null;
        if (drawLine) { map.removeLayer(drawLine); drawLine = null; }
        document.getElementById("line-state").textContent = T.created + ": " + c.name;
        await load(currentAt());
      } catch (e) { err.textContent = e.message; }
    });
  }
  const pauseForm = document.getElementById("pause-form");
  if (pauseForm) {
    pauseForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const fd = new FormData(pauseForm), err = document.getElementById("pause-error");
      err.textContent = "";
      try {
        await api("POST", "/api/pauses", { title: fd.get("title"),
          starts_at: new Date(fd.get("starts_at") + "Z").toISOString(), ends_at: new Date(fd.get("ends_at") + "Z").toISOString(),
          corridor_ids: fd.getAll("corridor_ids").map(Number), place_ids: fd.getAll("place_ids").map(Number),
          party_ids: fd.getAll("party_ids").map(Number) });
        pauseForm.reset();
        await loadPauses(); await load(currentAt());
      } catch (e) { err.textContent = e.message; }
    });
  }

  /** What each pause in the list covers, by name: the names come with the layers, which may arrive after the list. */
  function fillScopes() {
    if (!current) return;
    const names = (features, ids) => {
      const byId = new Map(features.map((f) => [String(f.properties.id), label(f.properties)]));
      return (ids ? ids.split(",") : []).map((i) => byId.get(i)).filter(Boolean);
    };
    document.querySelectorAll("#pause-list .pause-scope").forEach((el) => {
      const corridors = names(current.corridors.features, el.dataset.corridors);
      const areas = names(current.areas.features, el.dataset.areas);
      el.textContent = T.scopeCovers + ": " + [corridors.length ? T.scopeCorridors + ": " + corridors.join(", ") : "",
        areas.length ? T.scopeAreas + ": " + areas.join(", ") : ""].filter(Boolean).join(" · ");
    });
  }

  // Pauses: each party's response, and the lifecycle, from the sidebar.
  const ANSWER_ORDER = { refused: 0, pending: 1, accepted: 2 };
  /** Each party's answer with its reason, refusals first: what the coordinator must act on. */
  function responsesFirst(responses) {
    return (responses || []).slice().sort((a, b) => (ANSWER_ORDER[a.state] ?? 1) - (ANSWER_ORDER[b.state] ?? 1));
  }
  const NEXT = { proposed: ["agreed"], agreed: ["active", "violated", "proposed"], active: ["ended", "violated"], ended: [], violated: [], withdrawn: [] };
  let pausesShown = null;  // the list last drawn: redrawn only when it changed
  async function loadPauses() {
    const box = document.getElementById("pause-list");
    const data = await api("GET", "/api/pauses?limit=50");
    const seen = JSON.stringify(data.items);
    if (seen === pausesShown) return false;
    pausesShown = seen;
    document.body.dataset.pausesShown = data.items.map((p) => p.id + ":" + p.status).join(" ");
    const live = data.items.filter((p) => ["proposed", "agreed", "active", "withdrawn"].includes(p.status));
    if (!live.length) { box.innerHTML = "<p>" + T.noPauses + "</p>"; return true; }
    box.innerHTML = live.map((p) => {
      let html = '<div class="pause-item" data-pause="' + p.id + '"><strong>' + esc(lang === "ar" && p.title_ar ? p.title_ar : p.title) + "</strong> · " +
        statusBadge(p.status) + "<br>" + fmt(p.starts_at) + " → " + fmt(p.ends_at) +
        '<p class="pause-scope" data-testid="pause-scope" data-corridors="' + p.corridor_ids.join(",") + '" data-areas="' + p.place_ids.join(",") + '"></p>' +
        (p.status === "withdrawn" ? '<p class="withdrawal">' + T.withdrawnBy + " " + esc(partyName(p.withdrawn_by_party)) + " · " + fmt(p.withdrawn_at) +
          (p.withdrawal_reason ? ": " + esc(p.withdrawal_reason) : "") + "</p>" : "") + "<ul>" +
        responsesFirst(p.responses).map((r) => '<li class="response ' + esc(r.state) + '" data-testid="response-' + r.party_id + '">' + esc(partyName(r.party)) + ": <strong>" + esc(T[r.state] || r.state) + "</strong>" +
          (r.by ? " (" + esc(r.by) + ")" : "") + (r.note ? ' — <span class="response-note" data-testid="response-note">' + esc(r.note) + "</span>" : "") + "</li>").join("") + "</ul>";
      const mine = (p.responses || []).find((r) => r.party_id === CFG.partyId);
      const canAnswer = CFG.canRespond && (CFG.isLiaison ? !!mine : true) && ["proposed", "agreed"].includes(p.status);
      if (canAnswer) {
        const parties = CFG.isLiaison ? [mine] : p.responses;
        html += '<form class="respond-form"><select name="party_id">' + parties.map((r) => '<option value="' + r.party_id + '">' + esc(partyName(r.party)) + "</option>").join("") + "</select>" +
          '<input name="note" placeholder="' + esc(T.responseNote) + '"> <button type="submit" name="state" value="accepted">' + T.accept + '</button> <button type="submit" name="state" value="refused">' + T.refuse + "</button></form>";
      }
      if (CFG.canEditPauses && NEXT[p.status].length) {
        html += '<form class="pause-status-form">' + T.moveTo + ' <select name="status">' + NEXT[p.status].map((s) => '<option value="' + s + '">' + esc(T[s] || s) + "</option>").join("") +
          '</select> <input name="reason" placeholder="' + T.reason + '"> <button type="submit">' + T.save + "</button></form>";
      }
      if (CFG.canRunPlans) {  // plans.js comes with the page; it may load after this list is first drawn
        html += '<button type="button" class="evac-plan" data-testid="evac-plan">' + T.evacPlan + "</button>";
      }
      return html + '<p class="error" role="alert"></p></div>';
    }).join("");
    fillScopes();
    box.querySelectorAll(".pause-item").forEach((item) => {
      const id = item.dataset.pause, errBox = item.querySelector(".error");
      const rf = item.querySelector(".respond-form");
      if (rf) rf.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const fd = new FormData(rf);
        try {
          await api("POST", "/api/pauses/" + id + "/responses", { party_id: Number(fd.get("party_id")), state: ev.submitter.value, note: fd.get("note") || "" });
          await loadPauses(); await load(currentAt());  // a refusal may have withdrawn a pause in force
        } catch (e) { errBox.textContent = e.message; }
      });
      const ep = item.querySelector(".evac-plan");
      if (ep) ep.addEventListener("click", async () => {
        errBox.textContent = "";
        try {
          const plans = window.safePassagePlans;
          plans.show(await plans.follow(await api("POST", "/api/pauses/" + id + "/evacuation-plan")));
        } catch (e) { errBox.textContent = e.message; }
      });
      const sf = item.querySelector(".pause-status-form");
      if (sf) sf.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const fd = new FormData(sf);
        try {
          await api("POST", "/api/pauses/" + id + "/status", { status: fd.get("status"), reason: fd.get("reason") || "" });
          await loadPauses(); await load(currentAt());
        } catch (e) { errBox.textContent = e.message; }
      });
    });
    return true;
  }
  loadPauses().catch((e) => { document.getElementById("pause-list").textContent = e.message; });

  // A pause proposed, agreed or withdrawn elsewhere, or a corridor's status or warnings changed elsewhere, appear
  // without a reload: two small requests every refreshSeconds, and the layers (some 400 kB) fetched again only
  // when one of them changed.
  let corridorStamp = null;
  async function corridorsChanged() {
    if (currentAt()) return false;  // a past moment does not change
    const list = await api("GET", "/api/corridors?limit=1000");
    const stamp = JSON.stringify(list.items.map((c) => [c.id, c.version, c.status, (c.hazards || []).map((h) => h.hazard_id + h.status + h.verification)]));
    const changed = corridorStamp !== null && stamp !== corridorStamp;
    corridorStamp = stamp;
    return changed;
  }
  async function refreshPauses() {
    const typing = document.activeElement;
    if (document.hidden || (typing.tagName === "INPUT" && typing.value && typing.closest("#pause-list"))) return;  // not under a note being typed
    try {
      const pausesChanged = await loadPauses();
      if (await corridorsChanged() || pausesChanged) await load(currentAt());
    } catch (e) { /* offline for now: the next round tries again */ }
  }
  corridorsChanged().catch(() => {});
  setInterval(refreshPauses, (CFG.refreshSeconds || 30) * 1000);

  window.safePassageMap = { map, groups, load, loadPauses, loadServicePoints, get data() { return current; },
    get servicePoints() { return spExits; } };
  load(currentAt()).catch((e) => { document.getElementById("open-now").textContent = e.message; });
  loadServicePoints();
})();
