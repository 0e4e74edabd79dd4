// The service worker: keeps a versioned app shell (CSS, JS, icons) and the user's forms for
// offline use, and drains the outbox by Background Sync. Served at /sw.js (scope "/") with
// its build written in: a new version fills new caches while the old worker keeps serving;
// the old caches go only once the new worker is active.
importScripts("/static/js/outbox.js");
var BUILD = "__CDT_BUILD__";
var SHELL = "cdt-shell-" + BUILD.version, PAGES = "cdt-pages-" + BUILD.version, WAIT = 8000;

function path(url) { return new URL(url, location.href).pathname; }
function isPage(p) { return BUILD.pages.indexOf(p) >= 0; }

// the copy kept of a page: marked as such, without the one-off messages of that moment
function keep(cache, url, response) {
  return response.text().then(function (html) {
    html = html.replace("<html", "<html data-offline-copy").replace(/<p class="flash[^>]*>[^<]*<\/p>/g, "");
    return cache.put(url, new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } }));
  });
}

// fetch the pages again (the user is logged in); keep older copies of what cannot be fetched
function fillPages(install) {
  return caches.open(PAGES).then(function (cache) {
    return Promise.all(BUILD.pages.map(function (url) {
      return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
        if (r.ok && !r.redirected) return keep(cache, url, r);
        throw new Error("not available");
      }).catch(function () {
        if (!install) return;
        return caches.match(url).then(function (old) { if (old) return cache.put(url, old); });
      });
    }));
  });
}

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(BUILD.shell.map(function (u) { return new Request(u, { cache: "reload" }); }));
  }).then(function () { return fillPages(true); }).catch(function (error) {
    // a broken release: leave nothing behind; the worker in place keeps serving
    return Promise.all([caches.delete(SHELL), caches.delete(PAGES)]).then(function () { throw error; });
  }));
});

self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return /^cdt-/.test(n) && n !== SHELL && n !== PAGES; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

// the kept copy standing for this address (the page itself, or its alias), if any
function keptCopy(url) {
  var u = new URL(url), p = u.pathname;
  BUILD.alias.forEach(function (a) { if (p === a[0] && u.searchParams.has(a[1])) p = a[2]; });
  return caches.open(PAGES).then(function (cache) { return cache.match(p); });
}

// network first; a kept copy when the network fails or is too slow (WAIT); otherwise the
// offline page, once the network has failed
function navigate(req) {
  var url = new URL(req.url);
  var net = fetch(req).then(function (r) {
    if (r.ok && !r.redirected && !url.search && isPage(url.pathname)) {
      var copy = r.clone();
      caches.open(PAGES).then(function (cache) { return keep(cache, url.pathname, copy); });
    }
    return r;
  });
  var slow = new Promise(function (ok) { setTimeout(ok, WAIT); }).then(function () { return keptCopy(req.url); });
  return Promise.race([net, slow.then(function (r) { return r || net; })]).catch(function () {
    return keptCopy(req.url).then(function (r) {
      return r || caches.match(BUILD.offline, { cacheName: PAGES }).then(function (o) { return o || Response.error(); });
    });
  });
}

self.addEventListener("fetch", function (e) {
  var req = e.request, url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== location.origin || url.pathname.indexOf("/api/") === 0) return;
  if (req.mode === "navigate") { e.respondWith(navigate(req)); return; }
  if (BUILD.shell.indexOf(url.pathname) >= 0) {
    e.respondWith(caches.match(url.pathname, { cacheName: SHELL }).then(function (r) { return r || fetch(req); }));
  }
});

self.addEventListener("message", function (e) {
  var m = e.data || {};
  if (m.type === "refresh") e.waitUntil(fillPages(false));
  if (m.type === "forget") e.waitUntil(caches.delete(PAGES).then(function () { return self.CDT.meta("data:" + m.user, null); }));
});

self.addEventListener("sync", function (e) {
  if (e.tag !== "cdt-outbox") return;
  e.waitUntil(self.CDT.drain().then(function (r) { if (r.status === "retry") throw new Error("retry later"); }));
});
