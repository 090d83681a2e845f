/* The incidents layer of the map: GET /api/map/incidents, clustered (Leaflet.markercluster), filtered. */
(function () {
  "use strict";
  const M = window.safePassageMap;
  const panel = document.getElementById("incidents-panel");
  if (!M || !panel || !L.markerClusterGroup) return;
  const esc = SP.esc, api = SP.api;
  const STATUS_COLOR = { verified: "#1a9850", unverified: "#737373", pending_verification: "#f28e2b",
    falsely_attributed: "#762a83", rejected: "#d73027" };
  const $ = (id) => document.getElementById(id);
  const toggle = $("incidents-toggle"), fCat = $("incidents-category"), fStatus = $("incidents-status"),
    fFrom = $("incidents-from"), fTo = $("incidents-to"), fCorridor = $("incidents-corridor"),
    countEl = $("incidents-count"), errorEl = $("incidents-error");

  // Clustering needs a highest zoom; the map has no tile layer to give one.
  if (M.map.getMaxZoom() === Infinity) M.map.setMaxZoom(19);
  // Markers are added in chunks, the map staying responsive; "loaded" is said once the last chunk is in.
  const loaded = () => { document.body.dataset.incidentsLoaded = "true"; };
  const cluster = L.markerClusterGroup({ chunkedLoading: true, chunkInterval: 100, showCoverageOnHover: false,
    maxClusterRadius: 50, spiderfyOnMaxZoom: true, removeOutsideVisibleBounds: true,
    chunkProgress: (done, total) => { if (done === total) loaded(); } });
  const shapes = L.featureGroup();  // lines and areas, not clustered
  const group = L.layerGroup([cluster, shapes]);
  M.groups.incidents = group;
  group.addTo(M.map);
  let seq = 0;

  function optionText(select, value) {
    const o = Array.from(select.options).find((x) => x.value === value);
    return o ? o.textContent : value;
  }
  function style(p) {
    const c = STATUS_COLOR[p.v] || "#737373";
    return { radius: 5, color: c, weight: 1, fillColor: c, fillOpacity: 0.75 };
  }
  function popup(layer, p) {
    layer.bindPopup(() => {
      const div = document.createElement("div");
      div.innerHTML = "<strong>" + esc(optionText(fCat, p.c)) + "</strong><br>" + esc(optionText(fStatus, p.v));
      api("GET", "/api/incidents/" + encodeURIComponent(p.id)).then((d) => {
        const when = d.time_precision === "unknown" ? "" : esc((d.time_earliest || "…").slice(0, 10)) + " – " +
          esc((d.time_latest || "…").slice(0, 10));
        div.innerHTML = '<strong data-testid="incident-title">' + esc(d.title) + "</strong><br>" +
          esc((d.categories || []).map((c) => optionText(fCat, c)).join(", ")) + " · " +
          '<span class="badge">' + esc(optionText(fStatus, d.verification)) + "</span>" +
          (when ? "<br>" + when : "") + (d.description ? "<br>" + esc(d.description) : "") +
          '<br><a href="/incidents/' + encodeURIComponent(d.id) + '/">#' + esc(d.id) + "</a>";
      }).catch(() => {});
      return div;
    });
  }

  function params() {
    const q = new URLSearchParams();
    if (fCat.value) q.set("category", fCat.value);
    if (fStatus.value) q.set("status", fStatus.value);
    if (fFrom.value) q.set("from", fFrom.value + "T00:00:00Z");
    if (fTo.value) q.set("to", fTo.value + "T23:59:59Z");
    if (fCorridor.value) q.set("corridor_id", fCorridor.value);
    return q.toString();
  }

  function render(data) {
    const markers = [];
    shapes.clearLayers();
    data.features.forEach((f) => {
      if (f.geometry.type === "Point") {
        const c = f.geometry.coordinates;
        const m = L.circleMarker([c[1], c[0]], style(f.properties));
        m.feature = f;  // its popup is bound on the first click: thousands of markers stay cheap to build
        markers.push(m);
      } else {
        L.geoJSON(f, { style: () => style(f.properties), onEachFeature: (_, layer) => popup(layer, f.properties) })
          .addTo(shapes);
      }
    });
    cluster.clearLayers();
    cluster.addLayers(markers);
    if (!markers.length || !M.map.hasLayer(cluster)) loaded();  // no chunks to wait for
    countEl.textContent = SP.num(data.count) + " " + countEl.dataset.shown;
  }

  function load() {
    const mine = ++seq;
    document.body.dataset.incidentsLoaded = "false";
    countEl.textContent = countEl.dataset.loading;
    errorEl.textContent = "";
    return api("GET", "/api/map/incidents?" + params()).then((data) => {
      if (mine !== seq) return;  // a newer filter won
      render(data);
    }, (err) => {
      if (mine !== seq) return;
      errorEl.textContent = err.message;
      countEl.textContent = "";
      document.body.dataset.incidentsLoaded = "error";
    });
  }

  cluster.on("click", (e) => {
    const m = e.layer;
    if (!m.getPopup()) { popup(m, m.feature.properties); m.openPopup(); }
  });

  function fillCorridors() {
    const data = M.data;
    if (!data || fCorridor.options.length > 1) return;
    data.corridors.features.forEach((f) => {
      const o = document.createElement("option");
      o.value = f.properties.id;
      o.textContent = document.documentElement.lang === "ar" && f.properties.name_ar ? f.properties.name_ar : f.properties.name;
      fCorridor.appendChild(o);
    });
  }
  new MutationObserver(fillCorridors).observe(document.body, { attributes: true, attributeFilter: ["data-layers-loaded"] });
  fillCorridors();

  [fCat, fStatus, fFrom, fTo, fCorridor].forEach((el) => el.addEventListener("change", load));
  toggle.addEventListener("change", () => {
    if (toggle.checked) group.addTo(M.map); else M.map.removeLayer(group);
  });
  M.incidents = { cluster, shapes, load, get count() { return cluster.getLayers().length + shapes.getLayers().length; } };
  load();
})();
