/* Mobile count form with an offline outbox. Each count gets its UUID when saved, so a resend is a duplicate. */
(function () {
  "use strict";
  var form = document.getElementById("count-form");
  if (!form) { return; }
  var KEY = "safepassage.crossings.outbox";
  var result = document.getElementById("count-result");
  var NUMBERS = ["women", "men", "children", "older_people", "persons_with_disabilities", "wounded", "sick",
    "leaving_armed_groups_unarmed", "leaving_armed_groups_armed", "weapons_handed_over"];

  function uuid4() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function outbox() { try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; } }
  function save(list) {
    localStorage.setItem(KEY, JSON.stringify(list));
    document.querySelector("[data-testid=outbox]").textContent = list.length;
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function send(item) {
    return fetch("/api/crossings/counts", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() }, body: JSON.stringify(item) })
      .then(function (r) { return r.json().then(function (body) { return { status: r.status, body: body }; }); });
  }

  function flush() {
    var list = outbox();
    if (!list.length) { return Promise.resolve(); }
    var item = list[0];
    return send(item).then(function (res) {
      if (res.status === 200 || res.status === 201) {
        var flags = (res.body.flags || []).map(function (f) { return f.reason; }).join("; ");
        result.textContent = (res.status === 201 ? "✓ " : "✓ (") + "#" + res.body.id + (res.status === 201 ? "" : ")") +
          (flags ? " — " + flags : "");
        save(outbox().filter(function (x) { return x.client_uuid !== item.client_uuid; }));
        return flush();
      }
      result.textContent = res.body.detail || ("error " + res.status);
      result.className = "error";
      if (res.status !== 409 && res.status !== 422) { return undefined; }  // signed out or server trouble: keep it
      // refused for a reason the user must fix: the form still holds the figures; drop it from the queue
      result.textContent = res.body.detail || ("error " + res.status);
      result.className = "error";
      save(outbox().filter(function (x) { return x.client_uuid !== item.client_uuid; }));
      return undefined;
    }).catch(function () { /* offline: stays in the outbox */ });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    result.className = "";
    var local = form.elements.bucket_start.value;
    var item = { client_uuid: uuid4(), checkpoint_id: parseInt(form.elements.checkpoint_id.value, 10),
      direction: form.elements.direction.value, bucket_start: local ? new Date(local).toISOString() : "",
      bucket_minutes: parseInt(form.elements.bucket_minutes.value, 10), note: form.elements.note.value };
    NUMBERS.forEach(function (n) { item[n] = parseInt(form.elements[n].value || "0", 10); });
    save(outbox().concat([item]));
    flush();
  });
  window.addEventListener("online", flush);
  window.setInterval(flush, 30000);
  save(outbox());
  flush();
})();
