/* Convoy board map: neighbourhoods for context, convoy routes by status, last reported positions. */
(function () {
  "use strict";
  const box = document.getElementById("board-map");
  if (!box || !window.L) return;
  const data = JSON.parse(document.getElementById("board-map-data").textContent);
  const STATUS_COLOR = { planned: "#888", notified: "#f28e2b", cleared: "#1a9850", departed: "#2166ac", arrived: "#542788",
    delivered: "#1b7837", aborted: "#b2182b", returned: "#b2182b" };
  const map = L.map(box).setView([36.2, 37.15], 12);
  // Stored text (references) reaches Leaflet as text, never as HTML.
  function textNode(s) { const e = document.createElement("span"); e.textContent = String(s); return e; }
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  const convoys = L.geoJSON(data, {
    style: (f) => ({ color: STATUS_COLOR[f.properties.status] || "#333", weight: 5 }),
    pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 8, color: "#000", weight: 2, fillColor: "#b2182b", fillOpacity: 1 }),
    onEachFeature: (f, layer) => layer.bindTooltip(textNode(f.properties.ref + " · " + f.properties.status), { permanent: f.properties.kind === "position" }),
  });
  SP.api("GET", "/api/map/layers").then((layers) => {
    const colors = {};
    (layers.parties || []).forEach((p) => { colors[p.id] = p.color; });
    L.geoJSON(layers.areas, { style: (f) => ({ color: "#777", weight: 1, fillOpacity: 0.25,
      fillColor: colors[f.properties.party_id] || "#eeeeee" }) }).addTo(map);
    convoys.addTo(map);
    if (convoys.getLayers().length) map.fitBounds(convoys.getBounds(), { maxZoom: 15, padding: [20, 20] });
    box.dataset.loaded = "true";
  }).catch(() => { convoys.addTo(map); box.dataset.loaded = "true"; });
})();
