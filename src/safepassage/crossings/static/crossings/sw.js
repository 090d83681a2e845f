/* Service worker of the count form: the form and its scripts open from the cache when there is no network.
 *
 * The page puts itself and its scripts and styles in the cache (see count_form.js); here every GET for them
 * goes to the network first, refreshing the cache, and falls back to the cached copy when the network fails.
 */
"use strict";
var CACHE = "safepassage-count-form-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf("safepassage-count-form-") === 0 && n !== CACHE;
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") { return; }
  var url = new URL(req.url);
  var page = req.mode === "navigate" && url.pathname === "/crossings/new/";
  if (url.origin !== self.location.origin || (!page && url.pathname.indexOf("/static/") !== 0)) { return; }
  var key = page ? url.pathname : req;
  event.respondWith(fetch(req).then(function (res) {
    if (res.ok && !res.redirected && res.type === "basic") {
      var copy = res.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(key, copy); });
    }
    return res;
  }, function (err) {
    return caches.open(CACHE).then(function (cache) { return cache.match(key); }).then(function (hit) {
      if (hit) { return hit; }
      throw err;
    });
  }));
});
