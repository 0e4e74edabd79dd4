// The "Đồng bộ" page: every record kept on this phone with its state, its messages, and the
// way to fix or discard it; "Xuất dữ liệu chưa gửi" saves the unsent records to a file.
(function () {
  "use strict";
  var C = window.CDT, d = document, list = d.querySelector("[data-outbox-list]");
  var badge = d.getElementById("outbox-count"), T = (d.getElementById("sync-text") || {}).dataset;
  if (!C || !list || !badge || !window.indexedDB) return;
  var user = +badge.dataset.user, status = d.querySelector("[data-sync-status]");

  function el(tag, cls, text) { var e = d.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
  function when(iso) { return iso ? iso.split("-").reverse().join("/") : ""; }
  function fixUrl(it) {
    if (it.kind === "household") return T.householdForm + "?outbox=" + it.id;
    return T.visitForm + "?household=" + encodeURIComponent(it.payload.household_id) + "&outbox=" + it.id;
  }

  function row(it) {
    var li = el("li", "outbox-item state-" + it.state), head = el("div", "outbox-head");
    var state = it.state === "draft" ? "pending" : it.state;
    head.appendChild(el("strong", "", T["kind" + (it.kind === "visit" ? "Visit" : "Household")] + " · " + ((it.label || [])[0] || "")));
    head.appendChild(el("span", "badge outbox-badge-" + state, T["state" + state[0].toUpperCase() + state.slice(1)]));
    li.appendChild(head);
    if (it.label && it.label[1]) li.appendChild(el("p", "muted outbox-sub", it.label[1]));
    var errs = Object.keys(it.errors || {});
    if (errs.length) {
      var ul = el("ul", "outbox-errors");
      errs.forEach(function (k) { ul.appendChild(el("li", "error", it.errors[k])); });
      li.appendChild(ul);
    }
    if (it.state === "conflict") {
      var s = it.server || {}, facts = [T["status" + (s.status || "")[0].toUpperCase() + (s.status || "").slice(1)] || s.status];
      if (s.visited_on) facts.push(when(s.visited_on));
      if (s.head_name) facts.push(s.head_name);
      li.appendChild(el("p", "error", T.conflict + " " + facts.filter(Boolean).join(", ")));
    }
    if (it.state === "rejected" || it.state === "conflict") {
      var actions = el("div", "actions");
      if (it.state === "rejected") { var a = el("a", "btn", T.fix); a.href = fixUrl(it); actions.appendChild(a); }
      var b = el("button", "btn btn-danger", T.discard);
      b.type = "button";
      b.addEventListener("click", function () { if (confirm(T.confirm)) C.del(it.id).then(render); });
      actions.appendChild(b);
      li.appendChild(actions);
    }
    return li;
  }

  function render() {
    return C.all().then(function (items) {
      var mine = items.filter(function (it) { return it.user === user; }), others = items.length - mine.length;
      var order = { rejected: 0, conflict: 0, sending: 1, pending: 1, draft: 1, synced: 2 };
      mine.sort(function (a, b) { return order[a.state] - order[b.state] || b.seq - a.seq; });
      list.textContent = "";
      mine.forEach(function (it) { list.appendChild(row(it)); });
      if (!mine.length) list.appendChild(el("li", "", T.empty));
      if (others) list.appendChild(el("li", "muted", T.others.replace("{n}", others)));
      status.textContent = navigator.onLine ? T.online : T.offline;
    });
  }

  function exportFile() {
    C.all().then(function (items) {
      var open = items.filter(function (it) { return it.user === user && C.isOpen(it); });
      var data = { exported_at: new Date().toISOString(), user_id: user, items: open.map(function (it) {
        return { kind: it.kind, id: it.id, payload: it.payload, state: it.state, errors: it.errors || {} };
      }) };
      var a = el("a"), stamp = new Date().toISOString().slice(0, 16).replace(/\D/g, "");
      a.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
      a.download = "cdt-chua-gui-" + stamp + ".json";
      d.body.appendChild(a); a.click(); a.remove();
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
    });
  }

  d.querySelector("[data-export]").addEventListener("click", exportFile);
  if (window.BroadcastChannel) new BroadcastChannel("cdt-outbox").onmessage = render;
  var previous = C.onchange;
  C.onchange = function () { if (previous) previous(); render(); };
  window.addEventListener("online", render);
  window.addEventListener("offline", render);
  render();
})();
