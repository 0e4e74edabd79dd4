// The households on this phone: the offline data kept (fetched again after 10 minutes
// online) and those waiting in the outbox.
import { allItems, readMeta, writeMeta } from "./outbox-store.js";
import { isKeptCopy, urls, user } from "./dom.js";

export const DATA = "data:" + user;

export const refreshKeptData = async () => {
  if (!navigator.onLine || isKeptCopy) return;
  const kept = await readMeta(DATA);
  if (kept && Date.now() - kept.t < 6e5) return;
  const response = await fetch(urls.data, { cache: "no-store" });
  if (response.ok) await writeMeta(DATA, { t: Date.now(), data: await response.json() });
};

// the newest waiting first, then those kept
export const phoneHouseholds = async () => {
  const [kept, items] = await Promise.all([readMeta(DATA), allItems()]);
  const waiting = items.filter((item) => item.kind === "household" && item.user === user && item.state !== "synced");
  return waiting.reverse().map((item) => ({ ...item.payload, id: item.id })).concat(kept?.data.households || []);
};
