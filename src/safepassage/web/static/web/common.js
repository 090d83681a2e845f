/* Shared by every page script: SP.api (JSON + CSRF, readable errors), SP.esc (HTML escaping), SP.t (strings). */
(function () {
  "use strict";
  var strings = null;

  /** A translated string passed by the page with {{ i18n_strings|json_script:"i18n-strings" }}; the key if none. */
  function t(key) {
    if (strings === null) {
      var el = document.getElementById("i18n-strings");
      try { strings = el ? JSON.parse(el.textContent) || {} : {}; } catch (e) { strings = {}; }
    }
    return Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
  }

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  /** An API refusal: `message` reads "field: reason"; `errors` lists every {field, reason}; `status` 0 if offline. */
  function ApiError(message, errors, status, body) {
    var e = new Error(message);
    e.name = "ApiError";
    e.errors = errors;
    e.status = status;
    e.body = body;
    return e;
  }

  /** Call the JSON API; resolve with the body, or reject with an ApiError. */
  function api(method, url, body) {
    var init = { method: method, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf() } };
    if (body !== undefined && body !== null) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.ok) { return data; }
        var errors = (data.errors && data.errors.length) ? data.errors
          : [{ field: "", reason: data.detail || res.statusText || String(res.status) }];
        var first = errors[0];
        throw ApiError(first.field ? first.field + ": " + first.reason : first.reason, errors, res.status, data);
      });
    }, function () {
      var reason = t("network");
      throw ApiError(reason, [{ field: "", reason: reason }], 0, {});
    });
  }

  /** The text with Arabic-Indic (U+0660-0669) and Eastern Arabic-Indic (U+06F0-06F9) digits as 0-9, trimmed. */
  function digits(text) {
    return String(text == null ? "" : text).replace(/[\u0660-\u0669\u06f0-\u06f9]/g, function (c) {
      var code = c.charCodeAt(0);
      return String(code - (code >= 0x06f0 ? 0x06f0 : 0x0660));
    }).trim();
  }

  /** The page's locale for Intl: Arabic as written in Syria (Levantine months), with Western digits as on the
   * server-rendered pages; otherwise the page's language. */
  function locale() {
    var lang = document.documentElement.lang || "en";
    return lang.split("-")[0] === "ar" ? "ar-SY-u-nu-latn" : lang;
  }

  /** A number for the page's language (thousands grouped); "—" when there is none. */
  function num(n, options) {
    return n === null || n === undefined || n === "" ? "—" : Number(n).toLocaleString(locale(), options);
  }

  /** A date and/or time for the page's language (Intl options; default: medium date, short time); "" if none. */
  function dateTime(value, options) {
    var d = value instanceof Date ? value : new Date(value);
    if (value === null || value === undefined || value === "" || isNaN(d.getTime())) { return ""; }
    return new Intl.DateTimeFormat(locale(), options || { dateStyle: "medium", timeStyle: "short" }).format(d);
  }

  /** An object's name in the page's language: `<key>_ar` on Arabic pages when it has one, else `<key>`. */
  function name(obj, key) {
    key = key || "name";
    if (!obj) { return ""; }
    var ar = obj[key + "_ar"];
    return ar && locale().indexOf("ar") === 0 ? ar : (obj[key] || "");
  }

  window.SP = { api: api, esc: esc, t: t, csrf: csrf, digits: digits, locale: locale, num: num, dateTime: dateTime,
    name: name };
  /** Every translated string of the page, as an object (for lookups that fall back to the key themselves). */
  Object.defineProperty(window.SP, "strings", { get: function () { t(""); return strings; } });

  // The language menu submits itself when changed (no inline handler: pages are ready for a strict CSP).
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("lang-select");
    if (select) { select.addEventListener("change", function () { select.form.submit(); }); }
  });
})();
