// Offline mode on every page of a logged-in user: the service worker, drafts, the outbox
// count and draining, the data kept.
import { refreshKeptData } from "./offline-households.js";
import { allItems, deleteItem, keepStorage, putItems, readMeta, writeMeta } from "./outbox-store.js";
import { drainFromPage, drainNow, openCount, showLoginBanner } from "./outbox-status.js";
import { $, canWorkOffline, isKeptCopy, say, texts, urls, user } from "./dom.js";

const worker = navigator.serviceWorker, quiet = (promise) => promise.catch(() => {});

// the worker keeps the pages at its install, and again when asked after 30 minutes online
const startWorker = async () => {
  await worker.register(urls.sw, { scope: "/", type: "module", updateViaCache: "none" });
  if (!navigator.onLine || isKeptCopy) return;
  keepStorage();
  const installing = !worker.controller, kept = await readMeta("pages");
  if (kept && kept.user === user && Date.now() - kept.t < 18e5) return;
  if (!installing) (await worker.ready).active.postMessage({ type: "refresh" });
  await writeMeta("pages", { user, t: Date.now() });
};

// a draft went with the web form: the server has it if it shows it (or the form with errors)
const settleDrafts = async () => {
  const waiting = [];
  for (const item of isKeptCopy ? [] : await allItems()) {
    if (item.state !== "draft" || item.user !== user) continue;
    if (location.pathname.includes(item.id) || $(`a[href*="${item.id}"], input[name="new_id"][value="${item.id}"]`)) await deleteItem(item.id);
    else { item.state = "pending"; waiting.push(item); }
  }
  if (waiting.length) await putItems(waiting);
};

// logging out with records not synced asks first; then the worker forgets the pages kept
const confirmLogout = (event) => {
  if (!/\/logout$/.test(event.target.action)) return;
  if (openCount && !confirm(texts.logout.replace("{n}", openCount))) event.preventDefault();
  else worker?.controller?.postMessage({ type: "forget", user });
};

if (canWorkOffline) {
  const toast = sessionStorage.getItem("cdt-toast");
  if (toast) { sessionStorage.removeItem("cdt-toast"); say(toast, "flash-success"); }
  if (isKeptCopy) say(texts.offline, "flash-warning");
  if (worker) quiet(startWorker());
  quiet(settleDrafts().then(drainFromPage));
  quiet(refreshKeptData());
  quiet(readMeta("auth").then((loggedOut) => loggedOut && !navigator.onLine && showLoginBanner(true)));
  addEventListener("online", () => quiet(drainNow()));
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && quiet(drainFromPage()));
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-sync-now]")) { event.preventDefault(); quiet(drainNow()); }
  });
  document.addEventListener("submit", confirmLogout);
}
