// The "Đồng bộ" page: every record kept on this phone with its state, its messages, and the
// way to fix or discard it; "Xuất dữ liệu chưa gửi" saves the unsent records to a file.
import { allItems, deleteItem, isOpen, onChange } from "./outbox-store.js";
import { $, badge, el, user } from "./dom.js";

const list = $("[data-outbox-list]"), status = $("[data-sync-status]"), texts = ($("#sync-text") || {}).dataset;
const ORDER = { rejected: 0, conflict: 0, sending: 1, pending: 1, draft: 1, synced: 2 };
const capital = (word) => word.charAt(0).toUpperCase() + word.slice(1);
const when = (iso) => (iso ? iso.split("-").reverse().join("/") : "");
const fixUrl = (item) => item.kind === "household" ? texts.householdForm + "?outbox=" + item.id
  : texts.visitForm + "?household=" + encodeURIComponent(item.payload.household_id) + "&outbox=" + item.id;

const row = (item) => {
  const line = el("li", "outbox-item state-" + item.state), head = el("div", "outbox-head");
  const state = item.state === "draft" ? "pending" : item.state, errors = Object.values(item.errors || {});
  head.append(el("strong", "", texts["kind" + capital(item.kind)] + " · " + ((item.label || [])[0] || "")),
    el("span", "badge outbox-badge-" + state, texts["state" + capital(state)]));
  line.append(head);
  if (item.label?.[1]) line.append(el("p", "muted outbox-sub", item.label[1]));
  if (errors.length) {
    const messages = el("ul", "outbox-errors");
    messages.append(...errors.map((message) => el("li", "error", message)));
    line.append(messages);
  }
  if (item.state === "conflict") {
    const server = item.server || {}, facts = [texts["status" + capital(server.status || "")] || server.status];
    if (server.visited_on) facts.push(when(server.visited_on));
    if (server.head_name) facts.push(server.head_name);
    line.append(el("p", "error", texts.conflict + " " + facts.filter(Boolean).join(", ")));
  }
  if (item.state === "rejected" || item.state === "conflict") {
    const actions = el("div", "actions"), discard = el("button", "btn btn-danger", texts.discard);
    if (item.state === "rejected") {
      const fix = el("a", "btn", texts.fix);
      fix.href = fixUrl(item);
      actions.append(fix);
    }
    discard.type = "button";
    discard.addEventListener("click", () => { if (confirm(texts.confirm)) deleteItem(item.id).then(render); });
    actions.append(discard);
    line.append(actions);
  }
  return line;
};

const render = async () => {
  const items = await allItems(), mine = items.filter((item) => item.user === user), others = items.length - mine.length;
  mine.sort((a, b) => ORDER[a.state] - ORDER[b.state] || b.seq - a.seq);
  list.replaceChildren(...mine.map(row));
  if (!mine.length) list.append(el("li", "", texts.empty));
  if (others) list.append(el("li", "muted", texts.others.replace("{n}", others)));
  status.textContent = navigator.onLine ? texts.online : texts.offline;
};

const exportFile = async () => {
  const open = (await allItems()).filter((item) => item.user === user && isOpen(item));
  const data = { exported_at: new Date().toISOString(), user_id: user,
    items: open.map(({ kind, id, payload, state, errors }) => ({ kind, id, payload, state, errors: errors || {} })) };
  const link = el("a"), stamp = new Date().toISOString().slice(0, 16).replace(/\D/g, "");
  link.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
  link.download = "cdt-chua-gui-" + stamp + ".json";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
};

if (list && badge && texts && window.indexedDB) {
  $("[data-export]").addEventListener("click", exportFile);
  onChange(render);
  addEventListener("online", render);
  addEventListener("offline", render);
  render();
}
