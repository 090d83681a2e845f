/* Convoy board forms: each posts to the JSON API; errors are shown next to the form (field: reason). */
(function () {
  "use strict";
  const T = SP.strings;
  const FLASH = "safepassage.board.flash";

  /** Call the API; resolve with the JSON body, or reject with a list of {field, reason}. */
  async function api(method, url, body) {
    try {
      return await SP.api(method, url, body);
    } catch (e) {
      const errors = (e.errors || []).filter((x) => x.field !== "allowed_next");
      throw errors.length ? errors : [{ field: "", reason: (e.body && e.body.detail) || e.message }];
    }
  }

  // "2026-11-25T08:00" from a datetime-local input, read as UTC (the labels say so).
  function utc(value) { return value ? value + ":00Z" : null; }
  function val(scope, name) {
    const el = scope.querySelector("[name=" + name + "]");
    return el ? el.value.trim() : "";
  }
  function checked(scope, name) {
    return Array.from(scope.querySelectorAll("input[name=" + name + "]:checked")).map((el) => el.value);
  }
  function list(text) { return text.split(/[,;\n]/).map((s) => s.trim()).filter(Boolean); }
  /** Rows of inputs as objects, skipping rows where nothing was typed. */
  function rows(form, kind) {
    return Array.from(form.querySelectorAll("[data-rows=" + kind + "] .row"))
      .filter((row) => Array.from(row.querySelectorAll("input")).some((el) => el.value.trim() && el.value !== el.defaultValue))
      .map((row) => {
        const out = {};
        row.querySelectorAll("input, select").forEach((el) => { out[el.name] = el.value.trim(); });
        return out;
      });
  }

  /** When the event happened (absent: now) and a coordinator's reason to record it outside the agreement. */
  function event(form, field) {
    const out = {};
    if (val(form, "at")) out[field] = utc(val(form, "at"));
    if (val(form, "override_reason")) out.override_reason = val(form, "override_reason");
    return out;
  }

  const build = {
    create(form) {
      return ["POST", "/api/convoys", {
        title: val(form, "title"), organisation_id: Number(val(form, "organisation_id")),
        corridor_id: Number(val(form, "corridor_id")), direction: val(form, "direction"),
        origin_id: Number(val(form, "origin_id")), destination_id: Number(val(form, "destination_id")),
        destination_note: val(form, "destination_note"),
        planned_departure: utc(val(form, "planned_departure")), planned_arrival: utc(val(form, "planned_arrival")),
        manifest: rows(form, "manifest"),
        vehicles: rows(form, "vehicles").map((v) => ({ plate: v.plate, vehicle_type: v.vehicle_type,
          markings: v.markings, driver_names: list(v.driver_names || "") })),
      }];
    },
    notify(form) {
      const body = { deadline: utc(val(form, "deadline")),
        party_ids: checked(form, "party_ids").map(Number) };
      if (!body.party_ids.length) body.party_ids = null;
      if (val(form, "reason")) body.reason = val(form, "reason");
      return ["POST", "/api/convoys/" + form.dataset.convoy + "/notify", body];
    },
    status(form, submitter) {
      const body = Object.assign({ status: submitter.value, reason: val(form, "reason") }, event(form, "at"));
      return ["POST", "/api/convoys/" + form.dataset.convoy + "/status", body];
    },
    answer(form, submitter) {
      return ["POST", "/api/notifications/" + form.dataset.notification + "/answer",
        { state: submitter.value, reason: val(form, "reason"), revision: Number(form.dataset.revision),
          conditions: submitter.value === "acknowledged" ? val(form, "conditions") : "" }];
    },
    inspect(form) {
      const where = val(form, "where").split(":");
      return ["POST", "/api/convoys/" + form.dataset.convoy + "/inspections", {
        result: val(form, "result"),
        no_weapons_attested: form.querySelector("[name=no_weapons_attested]").checked,
        items_checked: checked(form, "items_checked").map(Number), seals: list(val(form, "seals")),
        discrepancies: rows(form, "discrepancies"), remarks: val(form, "remarks"),
        place_id: where[0] === "place" ? Number(where[1]) : null,
        checkpoint_id: where[0] === "checkpoint" ? Number(where[1]) : null,
        at: utc(val(form, "at")),
      }];
    },
    seals(form) {
      const found = Array.from(form.querySelectorAll("input[name=intact]")).filter((el) => el.checked)
        .map((el) => ({ number: el.value, intact: true }));
      list(val(form, "other")).forEach((n) => found.push({ number: n, intact: true }));
      return ["POST", "/api/convoys/" + form.dataset.convoy + "/seal-check", { found, at: utc(val(form, "at")) }];
    },
    deliver(form) {
      const lines = Array.from(form.querySelectorAll("tr.receipt-line")).map((tr) => ({
        line_no: Number(tr.dataset.line), quantity_received: val(tr, "quantity_received"), note: val(tr, "note") }));
      return ["POST", "/api/convoys/" + form.dataset.convoy + "/delivery",
        Object.assign({ received_by: val(form, "received_by"), lines, remarks: val(form, "remarks") },
          event(form, "received_at"))];
    },
  };

  function showErrors(form, errors) {
    const box = form.querySelector(".form-errors");
    box.innerHTML = "";
    errors.forEach((e) => {
      const li = document.createElement("li");
      li.textContent = e.field ? e.field + ": " + e.reason : e.reason;
      box.appendChild(li);
    });
  }

  document.addEventListener("submit", async (ev) => {
    const form = ev.target.closest("form.board-form");
    if (!form) return;
    ev.preventDefault();
    const submitter = ev.submitter || form.querySelector("button[type=submit]");
    if (submitter && submitter.dataset.needsReason && !val(form, "reason")) {
      showErrors(form, [{ field: "reason", reason: T.reasonNeeded }]);
      return;
    }
    const [method, url, body] = build[form.dataset.action](form, submitter);
    const buttons = form.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    showErrors(form, [{ field: "", reason: T.saving }]);
    try {
      await api(method, url, body);
      sessionStorage.setItem(FLASH, T.saved);
      window.location.reload();
    } catch (errors) {
      showErrors(form, Array.isArray(errors) ? errors : [{ field: "", reason: String(errors) }]);
      buttons.forEach((b) => { b.disabled = false; });
      document.body.dataset.formError = String(Date.now());
    }
  });

  // Repeatable rows (manifest lines, vehicles, discrepancies): copy the last row, emptied.
  document.addEventListener("click", (ev) => {
    const btn = ev.target.closest("[data-add-row]");
    if (!btn) return;
    const box = btn.closest("form").querySelector("[data-rows=" + btn.dataset.addRow + "]");
    const last = box.querySelector(".row:last-child");
    const copy = last.cloneNode(true);
    copy.querySelectorAll("input").forEach((el) => { el.value = el.defaultValue; });
    copy.querySelectorAll("select").forEach((el) => { el.selectedIndex = 0; });
    box.appendChild(copy);
    const first = copy.querySelector("input");
    if (first) first.focus();
  });

  const flash = sessionStorage.getItem(FLASH);
  if (flash) {
    sessionStorage.removeItem(FLASH);
    const el = document.getElementById("board-flash");
    el.textContent = flash;
    el.hidden = false;
  }
  document.body.dataset.boardReady = "true";
}());
