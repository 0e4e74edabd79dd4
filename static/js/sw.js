// The service worker (a module): keeps a versioned app shell (CSS, JS, icons) and the user's
// forms for offline use, and drains the outbox by Background Sync. Served at /sw.js (scope
// "/") with its build written in: a new version fills new caches while the old worker keeps
// serving; the old caches go only once the new worker is active.
import { drainOutbox } from "/static/js/outbox-drain.js";
import { writeMeta } from "/static/js/outbox-store.js";

const BUILD = "__CDT_BUILD__";
const SHELL = "cdt-shell-" + BUILD.version, PAGES = "cdt-pages-" + BUILD.version, WAIT_MS = 8000;

// the copy kept of a page: marked as such, without the one-off messages of that moment
const keep = async (cache, url, response) => {
  const html = (await response.text()).replace("<html", "<html data-offline-copy").replace(/<p class="flash[^>]*>[^<]*<\/p>/g, "");
  return cache.put(url, new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } }));
};

// fetch the pages again (the user is logged in); at the install, keep older copies of what
// cannot be fetched
const fillPages = async (installing) => {
  const cache = await caches.open(PAGES);
  return Promise.all(BUILD.pages.map(async (url) => {
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (response.ok && !response.redirected) return await keep(cache, url, response);
    } catch {
      // not available now: below
    }
    if (!installing) return;
    const old = await caches.match(url);
    if (old) await cache.put(url, old);
  }));
};

const install = async () => {
  try {
    const cache = await caches.open(SHELL);
    await cache.addAll(BUILD.shell.map((url) => new Request(url, { cache: "reload" })));
    await fillPages(true);
  } catch (error) {  // a broken release: leave nothing behind; the worker in place keeps serving
    await Promise.all([caches.delete(SHELL), caches.delete(PAGES)]);
    throw error;
  }
};

const activate = async () => {
  const names = await caches.keys();
  await Promise.all(names.filter((name) => /^cdt-/.test(name) && name !== SHELL && name !== PAGES).map((name) => caches.delete(name)));
  await self.clients.claim();
};

// the kept copy standing for this address (the page itself, or its alias), if any
const keptCopy = async (address) => {
  const url = new URL(address);
  let path = url.pathname;
  for (const [page, parameter, target] of BUILD.alias) if (path === page && url.searchParams.has(parameter)) path = target;
  return (await caches.open(PAGES)).match(path);
};

// network first; a kept copy when the network fails or is too slow (WAIT_MS); otherwise the
// offline page, once the network has failed
const navigate = (request) => {
  const url = new URL(request.url);
  const network = fetch(request).then((response) => {
    if (response.ok && !response.redirected && !url.search && BUILD.pages.includes(url.pathname)) {
      const copy = response.clone();
      caches.open(PAGES).then((cache) => keep(cache, url.pathname, copy));
    }
    return response;
  });
  const slow = new Promise((resolve) => setTimeout(resolve, WAIT_MS)).then(() => keptCopy(request.url));
  return Promise.race([network, slow.then((kept) => kept || network)]).catch(async () =>
    (await keptCopy(request.url)) || (await caches.match(BUILD.offline, { cacheName: PAGES })) || Response.error());
};

self.addEventListener("install", (event) => event.waitUntil(install()));
self.addEventListener("activate", (event) => event.waitUntil(activate()));

self.addEventListener("fetch", (event) => {
  const request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") event.respondWith(navigate(request));
  else if (BUILD.shell.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname, { cacheName: SHELL }).then((cached) => cached || fetch(request)));
  }
});

self.addEventListener("message", (event) => {
  const message = event.data || {};
  if (message.type === "refresh") event.waitUntil(fillPages(false));
  if (message.type === "forget") event.waitUntil(caches.delete(PAGES).then(() => writeMeta("data:" + message.user, null)));
});

self.addEventListener("sync", (event) => {
  if (event.tag !== "cdt-outbox") return;
  event.waitUntil(drainOutbox().then((status) => { if (status === "retry") throw new Error("retry later"); }));
});
