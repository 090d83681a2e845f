/* Mobile count form with an offline outbox. Each count gets its UUID when saved, so a resend is a duplicate.
 *
 * A single fresh count goes to POST /api/crossings/counts; a queue (after a network cut) is emptied through
 * POST /api/crossings/counts/batch, up to 500 counts a request. Stored counts and duplicates leave the outbox;
 * refused ones stay on the device, shown with their reason, until the user discards them.
 */
(function () {
  "use strict";
  var form = document.getElementById("count-form");
  if (!form) { return; }
  var KEY = "safepassage.crossings.outbox";
  var BATCH = 500;
  var result = document.getElementById("count-result");
  var refusedList = document.getElementById("count-refused");
  var NUMBERS = ["women", "men", "children", "older_people", "persons_with_disabilities", "wounded", "sick",
    "leaving_armed_groups_unarmed", "leaving_armed_groups_armed", "weapons_handed_over"];
  var sending = false;

  function uuid4() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  /** The outbox: [{item, refused}] where `refused` is the server's reason, or null while waiting to be sent. */
  function outbox() {
    try {
      return JSON.parse(localStorage.getItem(KEY) || "[]").map(function (e) {
        return e.item ? e : { item: e, refused: null };  // entries saved by an earlier version of this page
      });
    } catch (e) { return []; }
  }
  function save(list) {
    localStorage.setItem(KEY, JSON.stringify(list));
    document.querySelector("[data-testid=outbox]").textContent =
      list.filter(function (e) { return !e.refused; }).length;
    showRefused(list);
  }
  /** Apply the server's answers: drop what was stored or known, mark what was refused with its reason. */
  function settle(answers) {
    save(outbox().filter(function (e) {
      var a = answers[e.item.client_uuid];
      if (a === undefined) { return true; }
      if (a !== null) { e.refused = a; return true; }
      return false;
    }));
  }

  function showRefused(list) {
    refusedList.replaceChildren();
    list.forEach(function (e) {
      if (!e.refused) { return; }
      var li = document.createElement("li");
      li.setAttribute("data-testid", "refused-count");
      var when = e.item.bucket_start ? new Date(e.item.bucket_start).toLocaleString() : "—";
      li.appendChild(document.createTextNode(SP.t("refused") + " (" + when + "): " + e.refused + " "));
      var drop = document.createElement("button");
      drop.type = "button";
      drop.textContent = SP.t("discard");
      drop.addEventListener("click", function () {
        save(outbox().filter(function (x) { return x.item.client_uuid !== e.item.client_uuid; }));
      });
      li.appendChild(drop);
      refusedList.appendChild(li);
    });
  }

  function flagsText(flags) { return (flags || []).map(function (f) { return f.reason; }).join("; "); }

  function sendOne(item) {
    return SP.api("POST", "/api/crossings/counts", item).then(function (count) {
      var flags = flagsText(count.flags);
      result.className = "";
      result.textContent = (count.duplicate ? "✓ (#" + count.id + ")" : "✓ #" + count.id) + (flags ? " — " + flags : "");
      var answers = {}; answers[item.client_uuid] = null;
      settle(answers);
    }, function (err) {
      if (err.status !== 409 && err.status !== 422) { throw err; }  // signed out, offline or server trouble: keep it
      var answers = {}; answers[item.client_uuid] = err.message;
      settle(answers);
      throw err;
    });
  }

  /** The index of the batch item an error names ("items.3.women"), or -1. */
  function itemIndex(field) {
    var m = /^(?:body\.)?items\.(\d+)(?:\.|$)/.exec(field || "");
    return m ? parseInt(m[1], 10) : -1;
  }

  function sendBatch(items) {
    return SP.api("POST", "/api/crossings/counts/batch", { items: items }).then(function (answer) {
      var answers = {}, flags = [];
      answer.results.forEach(function (r) {
        answers[r.client_uuid] = r.status === "refused" ? (r.detail || SP.t("refused")) : null;
        if (r.status === "stored" && r.flags && r.flags.length) { flags.push("#" + r.id + ": " + flagsText(r.flags)); }
      });
      result.className = answer.refused ? "error" : "";
      result.textContent = "✓ " + (answer.stored + answer.duplicates) + " " + SP.t("sent") +
        (answer.refused ? " · " + answer.refused + " " + SP.t("refusedCount") : "") +
        (flags.length ? " — " + flags.join(" · ") : "");
      settle(answers);
    }, function (err) {
      if (err.status !== 422) { throw err; }
      // the request as a whole was refused: set aside the counts it names, send the rest next time
      var answers = {}, named = 0;
      (err.errors || []).forEach(function (e) {
        var i = itemIndex(e.field);
        if (i >= 0 && i < items.length) {
          answers[items[i].client_uuid] = e.field.replace(/^(?:body\.)?items\.\d+\.?/, "") + ": " + e.reason;
          named += 1;
        }
      });
      settle(answers);
      if (!named) { throw err; }
    });
  }

  function flush() {
    if (sending) { return Promise.resolve(); }
    var waiting = outbox().filter(function (e) { return !e.refused; }).map(function (e) { return e.item; });
    if (!waiting.length) { return Promise.resolve(); }
    sending = true;
    var step = waiting.length === 1 ? sendOne(waiting[0]) : sendBatch(waiting.slice(0, BATCH));
    return step.then(function () {
      sending = false;
      // more than one batch, or counts saved while this one was on its way
      return outbox().some(function (e) { return !e.refused; }) ? flush() : undefined;
    }, function (err) {
      sending = false;
      result.className = "error";
      result.textContent = err.message;  // offline: the counts stay in the outbox
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    result.className = "";
    var local = form.elements.bucket_start.value;
    var item = { client_uuid: uuid4(), checkpoint_id: parseInt(form.elements.checkpoint_id.value, 10),
      direction: form.elements.direction.value, bucket_start: local ? new Date(local).toISOString() : "",
      bucket_minutes: parseInt(form.elements.bucket_minutes.value, 10), note: form.elements.note.value };
    NUMBERS.forEach(function (n) { item[n] = parseInt(form.elements[n].value || "0", 10); });
    save(outbox().concat([{ item: item, refused: null }]));
    flush();
  });
  window.addEventListener("online", flush);
  window.setInterval(flush, 30000);
  save(outbox());
  flush();
})();
