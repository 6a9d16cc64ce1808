/* The safety-confirmation phone page's service worker. It keeps the page's script and styles
   so that they load on a weak connection, and nothing else: no page, no API answer, nobody's
   data. Reports waiting to be sent are kept by the page itself, in IndexedDB. */
"use strict";

const CACHE = "roster-safety-shell-1";
const SHELL = {{ shell|tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  const shell = event.request.method === "GET" && url.origin === self.location.origin &&
    SHELL.includes(url.pathname);
  if (!shell) {
    return; // pages and the API go to the network and are never kept
  }
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        }
        return response;
      })
      .catch(() => caches.match(event.request))
  );
});
