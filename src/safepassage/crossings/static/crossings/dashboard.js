/* Live picture: fetches /api/crossings/dashboard and redraws; no framework, no outside calls. */
(function () {
  "use strict";
  var root = document.querySelector("[data-testid=dashboard]");
  if (!root) { return; }
  var L10N = SP.strings;
  var GROUPS = ["women", "men", "children", "older_people", "persons_with_disabilities", "wounded", "sick",
    "leaving_armed_groups_unarmed", "leaving_armed_groups_armed", "weapons_handed_over"];
  var COLORS = { ok: "#1a9850", warning: "#f28e2b", critical: "#d73027" };
  var refresh = parseInt(root.dataset.refresh, 10) || 15;
  var form = document.getElementById("dash-filter");
  var map = null, layer = null, fitted = false;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function t(key) { return L10N[key] || key; }

  function drawCrossings(data) {
    var box = document.getElementById("crossing-charts");
    box.replaceChildren();
    document.querySelector("[data-testid=total-persons]").textContent = SP.num(data.overall.total_persons);
    document.querySelector("[data-testid=pending-review]").textContent = SP.num(data.pending_review_records);
    if (!data.rows.length) { box.appendChild(el("p", { "class": "hint" }, t("none"))); return; }
    var max = 1;
    data.rows.forEach(function (r) { GROUPS.forEach(function (g) { max = Math.max(max, r[g]); }); });
    data.rows.forEach(function (r) {
      box.appendChild(el("h3", { "data-corridor": r.corridor_id }, SP.name(r, "corridor") + " · " + t(r.direction) + " · " + SP.num(r.total_persons)));
      var grid = el("div", { "class": "bars", role: "img", "aria-label": SP.name(r, "corridor") + " " + t(r.direction) });
      GROUPS.forEach(function (g) {
        if (!r[g]) { return; }
        grid.appendChild(el("span", {}, t(g)));
        var bar = el("span", { "class": "bar " + r.direction });
        bar.style.width = (100 * r[g] / max).toFixed(1) + "%";
        grid.appendChild(bar);
        grid.appendChild(el("span", { "class": "n", "data-group": g }, SP.num(r[g])));
      });
      box.appendChild(grid);
    });
  }

  function drawExits(exits) {
    var box = document.getElementById("exits");
    if (!box || !exits) { return; }
    box.replaceChildren();
    exits.forEach(function (x) {
      var card = el("div", { "class": "exit " + x.level, "data-level": x.level });
      card.appendChild(el("strong", {}, SP.name(x, "corridor") + " (" + t(x.direction) + ")"));
      card.appendChild(el("div", {}, SP.num(x.arrivals_24h) + " " + t("arrivals24") + ", " + SP.num(x.arrivals_last_hour) + " " + t("arrivalsHour")));
      var list = el("ul");
      x.service_points.forEach(function (p) {
        var stock = p.stock.map(function (s) {
          return t(s.item) + ": " + SP.num(s.balance) + (s.days_left === null ? "" : " (" + SP.num(s.days_left) + " " + t("daysLeft") + ")");
        }).join("; ");
        var li = el("li", { "data-level": p.level }, SP.name(p) + " — " + t(p.kind) + ", " + t("capacity") + " " + SP.num(p.capacity_per_day) + (stock ? " — " + stock : ""));
        li.prepend(el("span", { "class": "dot " + p.level }));
        list.appendChild(li);
      });
      card.appendChild(list);
      if (x.warnings.length) {
        var warn = el("ul", { "class": "error" });
        x.warnings.forEach(function (w) { warn.appendChild(el("li", {}, w)); });
        card.appendChild(warn);
      }
      box.appendChild(card);
    });
    drawMap(exits);
  }

  function drawMap(exits) {
    var node = document.getElementById("dash-map");
    if (!node || typeof window.L === "undefined") { return; }
    if (!map) { map = window.L.map(node, { attributionControl: false }).setView([36.2, 37.15], 12); }
    if (layer) { layer.remove(); }
    layer = window.L.layerGroup().addTo(map);
    var bounds = [];
    exits.forEach(function (x) {
      x.service_points.forEach(function (p) {
        window.L.circleMarker([p.lat, p.lon], { radius: 9, color: "#333", weight: 1, fillColor: COLORS[p.level],
          fillOpacity: 0.9 }).bindTooltip(el("span", {}, SP.name(p) + (p.warnings.length ? " — " + p.warnings.join("; ") : ""))).addTo(layer);
        bounds.push([p.lat, p.lon]);
      });
    });
    if (bounds.length && !fitted) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 }); fitted = true; }
  }

  function drawMedevac(counts) {
    var box = document.getElementById("medevac");
    if (!box || !counts) { return; }
    box.replaceChildren();
    var wrap = el("div", { "class": "medevac-counts" });
    Object.keys(counts.by_status).forEach(function (s) {
      var d = el("div", { "data-status": s });
      d.appendChild(el("strong", {}, SP.num(counts.by_status[s])));
      d.appendChild(el("span", {}, t(s)));
      wrap.appendChild(d);
    });
    box.appendChild(wrap);
  }

  function load() {
    var params = new URLSearchParams();
    var day = form.elements.day.value, tz = form.elements.tz.value;
    if (day) { params.set("day", day); }
    if (tz) { params.set("tz", tz); }
    return SP.api("GET", "/api/crossings/dashboard?" + params.toString())
      .then(function (data) {
        drawCrossings(data.crossings);
        drawExits(data.exits);
        drawMedevac(data.medevac);
        document.querySelector("[data-testid=updated]").textContent =
          t("updated") + " " + SP.dateTime(data.generated_at, { timeStyle: "short" });
      })
      .catch(function () { document.querySelector("[data-testid=updated]").textContent = t("failed"); });
  }

  form.addEventListener("change", load);
  load();
  window.setInterval(load, refresh * 1000);
})();
