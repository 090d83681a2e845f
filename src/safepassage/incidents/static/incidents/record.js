/* Record an incident: pick the point on a small map (or type it), and see the file's SHA-256 before sending. */
(function () {
  "use strict";
  const T = SP.t;

  function pointPicker() {
    const lon = document.getElementById("f-lon"), lat = document.getElementById("f-lat");
    const map = L.map("pick-map", { zoomControl: true }).setView([36.2, 37.15], 12);
    map.attributionControl.setPrefix("Leaflet");
    let marker = null;
    function place(ll) {
      if (marker) marker.setLatLng(ll); else marker = L.marker(ll).addTo(map);
    }
    function fromInputs() {
      const x = parseFloat(SP.digits(lon.value)), y = parseFloat(SP.digits(lat.value));
      if (isFinite(x) && isFinite(y) && Math.abs(x) <= 180 && Math.abs(y) <= 90) { place([y, x]); map.panTo([y, x]); }
    }
    map.on("click", (e) => {
      lon.value = e.latlng.lng.toFixed(5);
      lat.value = e.latlng.lat.toFixed(5);
      place(e.latlng);
    });
    lon.addEventListener("change", fromInputs);
    lat.addEventListener("change", fromInputs);
    fromInputs();
    SP.api("GET", "/api/map/layers").then((data) => {
      L.geoJSON(data.corridors, { style: { color: "#2166ac", weight: 3 }, interactive: false }).addTo(map);
      L.geoJSON(data.areas, { style: { color: "#888", weight: 1, fillOpacity: 0.03 }, interactive: false }).addTo(map);
    }).catch(() => {});
    window.safePassagePicker = map;
  }

  async function showHash(input) {
    const out = document.getElementById("file-hash");
    const file = input.files && input.files[0];
    out.textContent = "";
    if (!file || !(window.crypto && crypto.subtle)) return;
    out.textContent = T("hashing");
    const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
    const hex = Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, "0")).join("");
    out.textContent = T("sha256") + ": " + hex + " (" + file.size + " " + T("bytes") + ")";
    out.dataset.sha256 = hex;
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (window.L && document.getElementById("pick-map")) pointPicker();
    const file = document.getElementById("f-file");
    if (file) file.addEventListener("change", () => showHash(file));
    const form = document.getElementById("incident-form");
    if (form) form.addEventListener("submit", () => { form.querySelector("button[type=submit]").disabled = true; });
  });
})();
