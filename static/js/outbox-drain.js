// Draining the outbox (pages, service worker): open items go to the sync API a batch at a
// time, one drain at a time (a Web Lock): pending → sending → synced, rejected or conflict
// by the answer, or back to pending without one.
import { allItems, deleteItem, isWaiting, notifyChange, putItems, writeMeta } from "./outbox-store.js";
import { fetchMe, postItems } from "./sync-api.js";

const KEEP_SYNCED_MS = 3 * 864e5;

// the server's answers; a household now stored lets its rejected visits try again
const applyResults = async (items, results) => {
  const answers = new Map(results.filter((result) => result && result.id).map((result) => [result.id, result]));
  const stored = new Set();
  for (const item of items) {
    const answer = answers.get(item.id);
    if (!answer) { item.state = "pending"; continue; }
    item.errors = answer.errors || {};
    item.server = answer.server || null;
    if (answer.status === "rejected" || answer.status === "conflict") item.state = answer.status;
    else {
      item.state = "synced";
      item.synced = Date.now();
      if (item.kind === "household") stored.add(item.id);
    }
  }
  const all = await allItems();
  const retried = all.filter((visit) => visit.state === "rejected" && visit.kind === "visit"
    && visit.errors.household_id && stored.has(visit.payload.household_id));
  retried.forEach((visit) => { visit.state = "pending"; visit.errors = {}; });
  await putItems(items.concat(retried));
  for (const item of all) if (item.state === "synced" && Date.now() - item.synced > KEEP_SYNCED_MS) await deleteItem(item.id);
};

const sendAll = async () => {
  let me, batchSize = 50, renewed = false, response, body;
  const putBack = async (items, status) => {
    items.forEach((item) => { item.state = "pending"; });
    await putItems(items);
    return status;
  };
  try { me = await fetchMe(); } catch { return "retry"; }
  await writeMeta("auth", !me);
  if (!me) { notifyChange(); return "auth"; }
  for (;;) {
    const items = (await allItems()).filter((item) => item.user === me.user.id && isWaiting(item)).slice(0, batchSize);
    if (!items.length) return "done";
    items.forEach((item) => { item.state = "sending"; });
    await putItems(items);
    try { response = await postItems(me.csrf_token, items); } catch { return putBack(items, "retry"); }
    if (response.status === 401) { await writeMeta("auth", true); return putBack(items, "auth"); }
    if (response.status === 413 && batchSize > 1) { batchSize = Math.ceil(batchSize / 2); await putBack(items); continue; }
    if (response.status === 400 && !renewed) {  // most likely an expired CSRF token: renew it once
      renewed = true;
      await putBack(items);
      try { me = await fetchMe(); } catch { return "retry"; }
      if (!me) return "auth";
      continue;
    }
    if (!response.ok) return putBack(items, "retry");
    try { body = await response.json(); } catch { return putBack(items, "retry"); }
    await applyResults(items, body.results || []);
  }
};

// resolves "done", "auth" (log in again), "retry" (later: no network or a server error) or
// "busy" (another tab or the worker is draining)
export const drainOutbox = () => navigator.locks.request("cdt-drain", { ifAvailable: true }, (lock) => (lock ? sendAll() : "busy"));
