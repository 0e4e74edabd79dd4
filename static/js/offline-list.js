// The household list of a page kept on the phone (/households/, /visits/new): the households
// on this phone, searched on the phone. Online, or with no data kept, the page's own list.
// Search boxes post (no name or phone in a URL): offline, one on another page (the home page)
// hands its words to the kept list through sessionStorage, never through the URL.
import { readMeta } from "./outbox-store.js";
import { DATA, phoneHouseholds } from "./offline-households.js";
import { fold } from "./shared-rules.js";
import { $, el, isKeptCopy, texts, urls } from "./dom.js";

const row = (household) => {
  const link = el("a", "row-link"), main = el("span", "row-main"), line = el("li", "household-row");
  link.href = urls.visit + "?household=" + household.id;
  main.append(el("strong", "", household.head_name), el("span", "muted row-sub", household.address));
  link.append(main);
  line.append(link);
  return line;
};

const showList = async (list) => {
  const search = $("form[role=search]"), box = search?.elements.q, pager = $(".pager");
  const households = (await phoneHouseholds()).map((household) => [fold(household.head_name + " " + household.address), household]);
  const show = () => {
    const words = fold(box ? box.value : "").split(" ").filter(Boolean);
    const found = households.filter(([text]) => words.every((word) => text.includes(word)));
    list.replaceChildren(...found.slice(0, 60).map(([, household]) => row(household)));
    if (!found.length) list.append(el("li", "", texts.nomatch));
  };
  if (search) search.addEventListener("submit", (event) => { event.preventDefault(); show(); });
  if (box) box.addEventListener("input", show);
  // a search sent from another page (the home page) to the kept copy of this one
  if (box && !box.value) box.value = sessionStorage.getItem(SENT) || "";
  sessionStorage.removeItem(SENT);
  if (pager) pager.hidden = true;
  show();
};

const SENT = "cdt-search", list = $("[data-offline-list]");
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (event.defaultPrevented || form.getAttribute("role") !== "search" || !form.elements.q || (navigator.onLine && !isKeptCopy)) return;
  event.preventDefault();
  sessionStorage.setItem(SENT, form.elements.q.value);
  location.assign(form.action);
});
if (list && isKeptCopy && self.indexedDB) readMeta(DATA).then((kept) => kept && showList(list)).catch(() => {});
