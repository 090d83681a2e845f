/* Mobile count form with an offline outbox and a service worker, so that it opens and saves without a network.
 *
 * One submission identifier (client_uuid) per filled form: made when the form is started or reset, not per tap,
 * so a second tap on Save, or a resend, is a duplicate. Counts wait in the outbox (localStorage) and go through
 * POST /api/crossings/counts/batch, up to 500 a request. Stored counts and duplicates leave the outbox and are
 * listed in words; refused ones stay on the device, shown with their reason, until the user discards them.
 */
(function () {
  "use strict";
  var form = document.getElementById("count-form");
  if (!form) { return; }
  var KEY = "safepassage.crossings.outbox";
  var RECENT = "safepassage.crossings.recent";  // checkpoint -> hourly rates of the counts stored from here
  var CACHE = "safepassage-count-form-v1";  // the service worker's cache (crossings/sw.js)
  var BATCH = 500;
  var HUGE = 5000, FACTOR = 3, HISTORY = 3;
  var $ = function (id) { return document.getElementById(id); };
  var result = $("count-result"), flagsBox = $("count-flags"), refusedList = $("count-refused");
  var sentList = $("sent-list"), waitingList = $("waiting-list"), saveButton = form.querySelector("[type=submit]");
  var NUMBERS = ["women", "men", "children", "older_people", "persons_with_disabilities", "wounded", "sick",
    "leaving_armed_groups_unarmed", "leaving_armed_groups_armed", "weapons_handed_over"];
  var PERSONS = ["women", "men", "children", "older_people", "wounded", "sick", "leaving_armed_groups_unarmed",
    "leaving_armed_groups_armed"];
  var sending = false;
  var state = { uuid: uuid4(), saved: false, supersedes: null, confirmed: null };

  function uuid4() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (m, k) { return values[k]; });
  }
  function ltr(text) {
    var b = document.createElement("bdi");
    b.dir = "ltr";
    b.textContent = text;
    return b;
  }
  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key) || "null") || fallback; } catch (e) { return fallback; }
  }

  /** The outbox: [{item, label, refused}]; `refused` is the server's reason, or null while waiting to be sent. */
  function outbox() {
    return load(KEY, []).map(function (e) {
      return e.item ? e : { item: e, refused: null };  // entries saved by an earlier version of this page
    });
  }
  function save(list) {
    localStorage.setItem(KEY, JSON.stringify(list));
    var waiting = list.filter(function (e) { return !e.refused; });
    document.querySelector("[data-testid=outbox]").textContent = waiting.length;
    waitingList.replaceChildren();
    waiting.forEach(function (e) { waitingList.appendChild(describe(e, "")); });
    showRefused(list);
  }

  /** "12 women, 30 children at Castello, 08:00–09:00" as a list item (numbers and times left to right). */
  function describe(entry, prefix) {
    var li = document.createElement("li"), item = entry.item, parts = [];
    if (prefix) { li.appendChild(document.createTextNode(prefix + " ")); }
    NUMBERS.forEach(function (n) { if (item[n]) { parts.push(n); } });
    if (!parts.length) { li.appendChild(document.createTextNode(SP.t("nobody"))); }
    parts.forEach(function (n, i) {
      if (i) { li.appendChild(document.createTextNode(document.documentElement.dir === "rtl" ? "، " : ", ")); }
      li.appendChild(ltr(String(item[n])));
      li.appendChild(document.createTextNode(" " + SP.t(n)));
    });
    li.appendChild(document.createTextNode(" " + SP.t("at") + " "));
    var place = document.createElement("bdi");  // a place name in another script keeps its own direction
    place.textContent = entry.label || "#" + item.checkpoint_id;
    li.appendChild(place);
    li.appendChild(document.createTextNode(" (" + SP.t(item.direction) + "), "));
    li.appendChild(ltr(period(item)));
    return li;
  }
  function period(item) {
    if (!item.bucket_start) { return "—"; }
    var start = new Date(item.bucket_start), end = new Date(start.getTime() + item.bucket_minutes * 60000);
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return start.getFullYear() + "-" + two(start.getMonth() + 1) + "-" + two(start.getDate()) + " " +
      two(start.getHours()) + ":" + two(start.getMinutes()) + "–" + two(end.getHours()) + ":" + two(end.getMinutes());
  }

  function showRefused(list) {
    refusedList.replaceChildren();
    list.forEach(function (e) {
      if (!e.refused) { return; }
      var li = describe(e, SP.t("refused") + ": " + e.refused + " —");
      li.setAttribute("data-testid", "refused-count");
      var drop = document.createElement("button");
      drop.type = "button";
      drop.textContent = SP.t("discard");
      drop.addEventListener("click", function () {
        save(outbox().filter(function (x) { return x.item.client_uuid !== e.item.client_uuid; }));
      });
      li.appendChild(document.createTextNode(" "));
      li.appendChild(drop);
      refusedList.appendChild(li);
    });
  }

  function rate(item) {
    var total = PERSONS.reduce(function (s, n) { return s + (item[n] || 0); }, 0);
    return { total: total, hourly: Math.round(total * 60 / (item.bucket_minutes || 60)) };
  }
  function remember(item) {
    var recent = load(RECENT, {}), key = String(item.checkpoint_id);
    recent[key] = (recent[key] || []).concat([rate(item).hourly]).slice(-20);
    localStorage.setItem(RECENT, JSON.stringify(recent));
  }
  /** Why this count asks for a second look before it is saved, or "" (the server flags it anyway). */
  function tooHigh(item) {
    var r = rate(item), known = load(RECENT, {})[String(item.checkpoint_id)] || [];
    if (known.length >= HISTORY) {
      var most = Math.max.apply(null, known);
      if (r.total > 50 && r.hourly > FACTOR * Math.max(most, 1)) { return fmt(SP.t("high"), { total: r.total, max: most }); }
    }
    return r.total > HUGE ? fmt(SP.t("huge"), { total: r.total }) : "";
  }

  /** What the server said about a stored count, in plain words; an overlap offers to correct instead. */
  function showFlags(entry, flags) {
    (flags || []).forEach(function (f) {
      var p = document.createElement("p");
      p.className = "notice";
      p.setAttribute("data-testid", "flag-" + f.code);
      if (f.code === "unusually_high") {
        p.textContent = SP.t("unusuallyHigh");
      } else if (f.code === "overlapping") {
        p.textContent = SP.t("overlapping") + " ";
        var other = /\(([0-9a-f-]{36})\)/.exec(f.reason || "");
        if (other) {
          var fix = document.createElement("button");
          fix.type = "button";
          fix.setAttribute("data-testid", "correct-instead");
          fix.textContent = SP.t("correct");
          fix.addEventListener("click", function () { startCorrection(entry.item, other[1]); });
          p.appendChild(fix);
        }
      } else {
        p.textContent = SP.t("flagged") + " " + f.reason;
      }
      flagsBox.appendChild(p);
    });
  }

  function settle(answers) {
    save(outbox().filter(function (e) {
      var a = answers[e.item.client_uuid];
      if (a === undefined) { return true; }
      if (a !== null) { e.refused = a; return true; }
      return false;
    }));
  }

  /** The index of the batch item an error names ("items.3.women"), or -1. */
  function itemIndex(field) {
    var m = /^(?:body\.)?items\.(\d+)(?:\.|$)/.exec(field || "");
    return m ? parseInt(m[1], 10) : -1;
  }

  function sendBatch(entries) {
    var items = entries.map(function (e) { return e.item; });
    return SP.api("POST", "/api/crossings/counts/batch", { items: items }).then(function (answer) {
      var answers = {}, flagged = [];
      flagsBox.replaceChildren();
      answer.results.forEach(function (r, i) {
        var entry = entries[i];
        answers[r.client_uuid] = r.status === "refused" ? (r.detail || SP.t("refused")) : null;
        if (r.status === "refused") { return; }
        var li = describe(entry, SP.t(r.status === "stored" ? "stored" : "duplicate"));
        li.setAttribute("data-testid", r.status === "stored" ? "stored-count" : "duplicate-count");
        sentList.insertBefore(li, sentList.firstChild);
        if (r.status === "stored") { remember(entry.item); showFlags(entry, r.flags); }
        if (r.status === "stored" && r.flags && r.flags.length) {
          flagged.push("#" + r.id + ": " + r.flags.map(function (f) { return f.reason; }).join("; "));
        }
      });
      result.className = answer.refused ? "error" : "";
      result.textContent = "✓ " + (answer.stored + answer.duplicates) + " " + SP.t("sent") +
        (answer.refused ? " · " + answer.refused + " " + SP.t("refusedCount") : "") +
        (flagged.length ? " — " + flagged.join(" · ") : "");
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
    var waiting = outbox().filter(function (e) { return !e.refused; });
    if (!waiting.length) { return Promise.resolve(); }
    sending = true;
    result.className = "";
    result.textContent = SP.t("sending");
    return sendBatch(waiting.slice(0, BATCH)).then(function () {
      sending = false;
      // more than one batch, or counts saved while this one was on its way
      return outbox().some(function (e) { return !e.refused; }) ? flush() : undefined;
    }, function (err) {
      sending = false;
      result.className = err.status === 0 ? "notice" : "error";
      result.textContent = err.status === 0 ? SP.t("savedHere") : err.message;  // the counts stay in the outbox
    });
  }

  function label(name) {
    var el = form.querySelector("label[for=f-" + name + "]");
    return el && el.firstChild ? el.firstChild.textContent.trim() : name;
  }
  /** The form as a count to send, or throw a readable message naming the field that is not a whole number. */
  function readForm() {
    var local = form.elements.bucket_start.value;
    var item = { client_uuid: state.uuid, checkpoint_id: parseInt(form.elements.checkpoint_id.value, 10),
      direction: form.elements.direction.value, bucket_start: local ? new Date(local).toISOString() : "",
      bucket_minutes: parseInt(form.elements.bucket_minutes.value, 10), note: form.elements.note.value };
    if (state.supersedes) { item.supersedes_uuid = state.supersedes; }
    NUMBERS.forEach(function (n) {
      var text = SP.digits(form.elements[n].value).replace(/[\s\u066c,]/g, "") || "0";
      if (!/^\d+$/.test(text)) { throw new Error(label(n) + ": " + SP.t("notNumber")); }
      item[n] = parseInt(text, 10);
    });
    return item;
  }

  function newForm() {
    state.uuid = uuid4();
    state.saved = false;
    state.confirmed = null;
  }
  function startCorrection(item, supersedes) {
    NUMBERS.forEach(function (n) { form.elements[n].value = item[n] || 0; });
    newForm();
    state.supersedes = supersedes;
    $("correcting").hidden = false;
    form.scrollIntoView();
  }
  function endCorrection() {
    state.supersedes = null;
    $("correcting").hidden = true;
  }

  form.addEventListener("input", function () {
    if (state.saved) { newForm(); }  // a changed form is a new count
    state.confirmed = null;
    $("confirm-high").hidden = true;
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (saveButton.disabled) { return; }
    result.className = "";
    if (state.saved) { result.textContent = SP.t("alreadySaved"); return; }
    var item;
    try { item = readForm(); } catch (e) { result.className = "error"; result.textContent = e.message; return; }
    var why = tooHigh(item);
    if (why && state.confirmed !== state.uuid) {
      $("confirm-high-text").textContent = why;
      $("confirm-high").hidden = false;
      $("confirm-high-yes").focus();
      return;
    }
    $("confirm-high").hidden = true;
    var option = form.elements.checkpoint_id.selectedOptions[0];
    var entry = { item: item, label: option ? option.textContent : "", refused: null };
    state.saved = true;
    endCorrection();
    save(outbox().filter(function (e) { return e.item.client_uuid !== item.client_uuid; }).concat([entry]));
    result.textContent = SP.t("savedHere");
    saveButton.disabled = true;
    var done = function () { saveButton.disabled = false; };
    flush().then(done, done);
  });
  $("confirm-high-yes").addEventListener("click", function () {
    state.confirmed = state.uuid;
    form.requestSubmit();
  });
  $("confirm-high-no").addEventListener("click", function () {
    $("confirm-high").hidden = true;
    form.elements.women.focus();
  });
  $("new-count").addEventListener("click", function () {
    NUMBERS.forEach(function (n) { form.elements[n].value = "0"; });
    form.elements.note.value = "";
    newForm();
    endCorrection();
    result.textContent = "";
  });
  $("correcting-cancel").addEventListener("click", endCorrection);

  window.addEventListener("online", flush);
  window.setInterval(flush, 30000);
  save(outbox());
  flush();

  // Keep the form and its scripts and styles for the next time it is opened without a network.
  var main = document.querySelector("[data-sw]");
  if (main && "serviceWorker" in navigator && window.caches) {
    navigator.serviceWorker.register(main.getAttribute("data-sw"), { scope: main.getAttribute("data-sw-scope") })
      .then(function () {
        if (!navigator.onLine) { return undefined; }
        var urls = [window.location.pathname];
        document.querySelectorAll("script[src], link[rel=stylesheet][href]").forEach(function (el) {
          urls.push(el.getAttribute("src") || el.getAttribute("href"));
        });
        return caches.open(CACHE).then(function (cache) { return cache.addAll(urls); });
      }).then(function () { document.documentElement.setAttribute("data-offline-ready", "1"); })
      .catch(function () { /* no service worker (plain HTTP): the form still works while the page is open */ });
  }
})();
