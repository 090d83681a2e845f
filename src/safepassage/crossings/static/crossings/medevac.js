/* The case page: read the identifying details through the audited API, with the stated purpose. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("identify-form");
    var out = document.getElementById("identity");
    if (!form || !out) { return; }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var purpose = form.elements.purpose.value.trim();
      SP.api("GET", form.dataset.url + "?purpose=" + encodeURIComponent(purpose)).then(function (data) {
        var html = "<p class='hint'>" + SP.esc(SP.t("logged")) + "</p>";
        if (data.identifying_purged_at) {
          html += "<p>" + SP.esc(SP.t("purged")) + "</p>";
        } else {
          html += "<dl><dt>" + SP.esc(SP.t("name")) + "</dt><dd data-testid='identity-name'>" + SP.esc(data.full_name) +
            "</dd><dt>" + SP.esc(SP.t("details")) + "</dt><dd>" + SP.esc(data.identifying_details) + "</dd></dl>";
        }
        out.innerHTML = html;
      }, function (err) {
        out.innerHTML = "<p class='error' role='alert'>" + SP.esc(err.message) + "</p>";
      });
    });
  });
})();
