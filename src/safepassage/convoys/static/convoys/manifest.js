/* The manifest page: preview an uploaded file's lines (nothing stored), then store it through the upload route. */
(function () {
  "use strict";

  function send(url, form) {
    var data = new FormData();
    data.append("file", form.elements.file.files[0]);
    return fetch(url, { method: "POST", body: data, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": SP.csrf() } }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (res.ok) { return body; }
        var errors = (body.errors && body.errors.length) ? body.errors
          : [{ field: "", reason: body.detail || String(res.status) }];
        throw { errors: errors };
      });
    }, function () { throw { errors: [{ field: "", reason: SP.t("network") }] }; });
  }

  /** "rows.3.quantity" reads "row 3, column quantity"; other fields as they are. */
  function where(field) {
    var m = /^rows\.(\d+)(?:\.(\w+))?$/.exec(field || "");
    if (!m) { return field || ""; }
    return SP.t("row") + " " + m[1] + (m[2] ? ", " + SP.t("column") + " " + m[2] : "");
  }

  function showErrors(out, errors) {
    out.innerHTML = "<p class='error' role='alert'>" + SP.esc(SP.t("previewErrors")) + "</p><ul class='error' data-testid='preview-errors'>" +
      errors.map(function (e) {
        return "<li>" + (e.field ? "<strong>" + SP.esc(where(e.field)) + "</strong>: " : "") + SP.esc(e.reason) + "</li>";
      }).join("") + "</ul>";
  }

  function showLines(out, data) {
    var rows = data.lines.map(function (l) {
      return "<tr data-testid='preview-line'><td>" + l.row + "</td><td>" + SP.esc(l.item) + "</td><td>" + SP.esc(l.category) +
        "</td><td dir='ltr'>" + SP.esc(l.quantity) + "</td><td>" + SP.esc(l.unit) + "</td><td dir='ltr'>" + SP.esc(l.weight_kg) + "</td></tr>";
    }).join("");
    out.innerHTML = "<p>" + SP.esc(SP.t("previewOk")) + "</p><table class='table'><tr><th>" + SP.esc(SP.t("row")) + "</th><th>" +
      SP.esc(SP.t("item")) + "</th><th>" + SP.esc(SP.t("category")) + "</th><th>" + SP.esc(SP.t("quantity")) + "</th><th>" +
      SP.esc(SP.t("unit")) + "</th><th>" + SP.esc(SP.t("weight")) + "</th></tr>" + rows + "</table><p>" + SP.esc(SP.t("total")) +
      ": <strong dir='ltr' data-testid='preview-total'>" + SP.esc(data.total_weight_kg) + "</strong></p>";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("manifest-form");
    var out = document.getElementById("manifest-preview");
    var store = document.getElementById("manifest-store");
    if (!form) { return; }
    var base = "/api/convoys/" + encodeURIComponent(form.dataset.convoy) + "/manifest/";
    function format() { return encodeURIComponent(form.elements.number_format.value); }

    form.addEventListener("change", function () { store.hidden = true; });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      store.hidden = true;
      if (!form.elements.file.files.length) { showErrors(out, [{ field: "", reason: SP.t("chooseFile") }]); return; }
      send(base + "preview?number_format=" + format(), form).then(function (data) {
        showLines(out, data);
        store.hidden = false;
      }, function (err) { showErrors(out, err.errors); });
    });
    store.addEventListener("click", function () {
      store.disabled = true;
      send(base + "upload?version=" + encodeURIComponent(form.dataset.version) + "&number_format=" + format(), form).then(function () {
        out.innerHTML = "<p data-testid='stored'>" + SP.esc(SP.t("stored")) + "</p>";
        window.location.reload();
      }, function (err) { store.disabled = false; showErrors(out, err.errors); });
    });
  });
})();
