// The outbox on a page: the count in the top bar, draining with backoff, the login banner.
import { drainOutbox } from "./outbox-drain.js";
import { allItems, isOpen, isWaiting, onChange } from "./outbox-store.js";
import { badge, el, say, texts, urls, user } from "./dom.js";

export let openCount = 0;
let delay = 0, timer = 0, banner = null;

const countOpen = async () => {
  const mine = (await allItems()).filter((item) => item.user === user && isOpen(item));
  openCount = mine.length;
  badge.classList.toggle("has-pending", openCount > 0);
  badge.textContent = openCount ? texts.count.replace("{n}", openCount) : texts.idle;
  return mine;
};
onChange(countOpen);

export const showLoginBanner = (show) => {
  if (!show) { if (banner) banner.remove(); banner = null; return; }
  if (banner) return;
  banner = say(texts.auth, "flash-warning");
  const link = el("a", "btn btn-primary", texts.login);
  link.href = urls.login + "?next=" + encodeURIComponent(location.pathname + location.search);
  banner.append(" ", link);
};

export const drainFromPage = async () => {
  clearTimeout(timer);
  const mine = await countOpen();
  if (!navigator.onLine || !mine.some(isWaiting)) return;
  const status = await drainOutbox();
  showLoginBanner(status === "auth");
  if (status === "retry") {  // exponential backoff, 2 s up to 5 min, with jitter
    delay = Math.min(delay ? delay * 2 : 2000, 300000);
    timer = setTimeout(drainFromPage, delay * (0.75 + Math.random() / 2));
  } else if (status === "busy") timer = setTimeout(drainFromPage, 3000);
  else delay = 0;
  return countOpen();
};

export const drainNow = () => {
  delay = 0;
  return drainFromPage();
};
