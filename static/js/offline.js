// Offline mode on every page (progressive enhancement; needs outbox.js): the service worker,
// the pending count, draining the outbox, the data kept for offline use, and the visit and
// household forms, which save to the outbox when there is no network. Online they post as
// usual, keeping a copy until the server shows the record, so that a lost answer or an
// expired session cannot lose it.
(() => {
  "use strict";
  const C = window.CDT, d = document, badge = d.getElementById("outbox-count");
  if (!C || !badge || !window.indexedDB) return;
  const T = (d.getElementById("cdt-text") || { dataset: {} }).dataset, urls = badge.dataset;
  const user = +urls.user, q = new URLSearchParams(location.search), fixId = q.get("outbox");
  const copy = d.documentElement.hasAttribute("data-offline-copy");  // kept by the service worker
  const NIL = "00000000-0000-0000-0000-000000000000", sw = navigator.serviceWorker;
  let open = 0, delay = 0, timer = 0, banner = null;

  const $ = (s, r) => (r || d).querySelector(s);
  const el = (tag, cls, text) => { const e = d.createElement(tag); if (cls) e.className = cls; if (text) e.textContent = text; return e; };
  const say = (text, cls) => {
    const p = el("p", "flash " + cls, text);
    p.setAttribute("role", "status"); $("#main").prepend(p); return p;
  };
  const fold = (s) => (s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase().replace(/y/g, "i");
  const today = () => { const n = new Date(); n.setMinutes(n.getMinutes() - n.getTimezoneOffset()); return n.toISOString().slice(0, 10); };
  const go = (url, toast) => { if (toast) sessionStorage.setItem("cdt-toast", toast); location.assign(url); };
  const persist = () => navigator.storage && navigator.storage.persist && navigator.storage.persist().catch(() => {});

  // --- the count on every page; draining with backoff ------------------------------------
  const count = async () => {
    const mine = (await C.all()).filter((it) => it.user === user && C.isOpen(it));
    open = mine.length;
    badge.classList.toggle("has-pending", open > 0);
    badge.textContent = open ? T.count.replace("{n}", open) : T.idle;
    return mine;
  };
  C.onchange = count;
  if (window.BroadcastChannel) new BroadcastChannel("cdt-outbox").onmessage = count;

  const drain = async () => {
    clearTimeout(timer);
    const mine = await count();
    if (!navigator.onLine || !mine.some((it) => it.state === "pending" || it.state === "sending")) return;
    const r = await C.drain();
    authBanner(r.status === "auth");
    if (r.status === "retry") {  // exponential backoff, 2 s up to 5 min, with jitter
      delay = Math.min(delay ? delay * 2 : 2000, 300000);
      timer = setTimeout(drain, delay * (0.75 + Math.random() / 2));
    } else if (r.status === "busy") timer = setTimeout(drain, 3000);  // another tab or the worker
    else delay = 0;
    return count();
  };
  C.drainNow = () => { delay = 0; return drain(); };
  const authBanner = (show) => {
    if (!show) { if (banner) banner.remove(); banner = null; return; }
    if (banner) return;
    banner = say(T.auth, "flash-warning");
    const a = el("a", "btn btn-primary", T.login);
    a.href = urls.login + "?next=" + encodeURIComponent(location.pathname + location.search);
    banner.append(" ", a);
  };

  // --- the service worker and the data kept for offline use -------------------------------
  const kick = async () => {
    if (!sw) return;
    await sw.register(urls.sw, { scope: "/", updateViaCache: "none" });
    if (!navigator.onLine || copy) return;
    persist();
    const first = !sw.controller, kept = await C.meta("pages");  // first: the install keeps them
    if (kept && kept.user === user && Date.now() - kept.t < 18e5) return;
    if (!first) (await sw.ready).active.postMessage({ type: "refresh" });
    await C.meta("pages", { user, t: Date.now() });
  };
  const refreshData = async () => {
    if (!navigator.onLine || copy) return;
    const old = await C.meta("data:" + user);
    if (old && Date.now() - old.t < 6e5) return;
    const r = await fetch(urls.data, { credentials: "same-origin", cache: "no-store" });
    if (r.ok) await C.meta("data:" + user, { t: Date.now(), data: await r.json() });
  };
  // the households on this phone: the data kept plus those waiting in the outbox
  const households = async () => {
    const [kept, items] = await Promise.all([C.meta("data:" + user), C.all()]);
    const list = ((kept && kept.data.households) || []).slice();
    for (const it of items) {
      if (it.kind === "household" && it.user === user && it.state !== "synced")
        list.unshift({ id: it.id, village_id: it.payload.village_id, head_name: it.payload.head_name, address: it.payload.address, members: it.payload.members });
    }
    return list;
  };
  C.households = households; C.fold = fold;

  // --- the forms ---------------------------------------------------------------------------
  const num = (v) => (/^\s*\d+\s*$/.test(v) ? +v : v);
  const opt = (v) => (v === "" ? null : num(v));
  const payload = (f, kind) => {
    const fd = new FormData(f), v = (n) => String(fd.get(n) == null ? "" : fd.get(n));
    if (kind === "household") {
      return { village_id: num(v("village_id")), head_name: v("head_name"), address: v("address"), phone: v("phone") || null,
        members: num(v("members")), smartphone_members: opt(v("smartphone_members")), consent: fd.has("consent"), notes: v("notes") };
    }
    const taught = fd.getAll("skills"), done = fd.getAll("completed");
    const codes = taught.concat(done.filter((c) => !taught.includes(c)));  // "completed" alone means taught
    return { household_id: v("household_id"), visited_on: v("visited_on"),
      skills: codes.map((code) => ({ code, completed: done.includes(code) })),
      people_taught: num(v("people_taught")), notes: v("notes"), lat: opt(v("lat")), lon: opt(v("lon")) };
  };
  const label = (kind, p) => kind === "household" ? [p.head_name, p.address]
    : [($(".visit-household strong") || {}).textContent || "", p.visited_on.split("-").reverse().join("/")];

  d.addEventListener("submit", async (e) => {
    const f = e.target, kind = f.getAttribute("data-offline-form");
    if (/\/logout$/.test(f.action)) {
      if (open && !confirm(T.logout.replace("{n}", open))) e.preventDefault();
      else if (sw && sw.controller) sw.controller.postMessage({ type: "forget", user });
      return;
    }
    if (!kind) return;
    e.preventDefault();
    const blank = f.elements.household_id && f.elements.household_id.defaultValue === NIL;
    const offline = copy || fixId || blank || !navigator.onLine, p = payload(f, kind);
    if (offline && C.check && !(await C.check(kind, p, f.elements.new_id.value).catch(() => true))) return;  // household-form.js; a failed look-up never blocks saving
    const item = { id: f.elements.new_id.value, kind, payload: p, user, state: offline ? "pending" : "draft", errors: {}, label: label(kind, p) };
    try {
      const old = await C.get(item.id);
      if (old && old.state !== "draft" && !fixId) item.id = f.elements.new_id.value = C.uuid();  // never overwrite another
      await C.put(item);
    } catch (err) {
      if (offline) { alert(T.failed); return; }
    }
    if (!offline) return HTMLFormElement.prototype.submit.call(f);  // the web form as usual
    persist();
    if (sw) sw.ready.then((r) => r.sync && r.sync.register("cdt-outbox")).catch(() => {});
    if (kind === "household") go(urls.visit + "?household=" + item.id, T.household);
    else go(fixId ? urls.sync : urls.visit, T.queued);
  });

  // Drafts went with the web form: the server has them when it shows them (or shows the form
  // again, with errors); otherwise they wait in the outbox.
  const settleDrafts = async () => {
    const todo = [];
    for (const it of await C.all()) {
      if (it.state !== "draft" || it.user !== user || copy) continue;
      if (location.pathname.includes(it.id) || $(`a[href*="${it.id}"], input[name="new_id"][value="${it.id}"]`)) await C.del(it.id);
      else { it.state = "pending"; todo.push(it); }
    }
    if (todo.length) await C.put(todo);
  };

  // a kept copy of a form, or a record to fix: a new id, today's date, the household, the item
  const prepareForm = async () => {
    const f = $("form[data-offline-form]");
    if (!f) return;
    const fe = f.elements, item = fixId ? await C.get(fixId) : null;
    if (copy) fe.new_id.value = C.uuid();
    if (item) fill(f, item);
    if (f.getAttribute("data-offline-form") !== "visit") return;
    if (copy && !item) fe.visited_on.value = today();
    fe.visited_on.max = today();
    if (fe.household_id.value !== NIL) return;
    const id = q.get("household") || (item && item.payload.household_id);
    const h = (await households()).find((x) => x.id === id), line = $(".visit-household");
    if (!h) { f.hidden = true; say(T.nohousehold, "flash-error"); return; }
    fe.household_id.value = h.id;
    line.replaceChildren(el("strong", "", h.head_name));
    if (h.address) line.append(el("span", "muted", " · " + h.address));
    const hint = $("#people_taught-hint");
    if (hint) hint.textContent = hint.textContent.replace("{members}", h.members);
  };
  const fill = (f, item) => {
    const p = item.payload, fe = f.elements;
    fe.new_id.value = item.id;
    for (const [k, v] of Object.entries(p)) {
      const x = fe[k];
      if (!x || k === "skills") continue;
      if (x.type === "checkbox") x.checked = !!v; else x.value = v == null ? "" : v;
    }
    for (const s of p.skills || []) {
      const a = $(`input[name="skills"][value="${s.code}"]`, f), b = $(`input[name="completed"][value="${s.code}"]`, f);
      if (a) a.checked = true;
      if (b) b.checked = !!s.completed;
    }
    const errors = Object.entries(item.errors || {});
    if (!errors.length) return;
    const box = el("div", "error-box");
    box.setAttribute("role", "alert");
    for (const [k, message] of errors) {
      box.append(el("p", "", message));
      if (fe[k] && fe[k].setAttribute) fe[k].setAttribute("aria-invalid", "true");
    }
    f.prepend(box);
  };

  // the household list of a kept copy: from the phone, searched on the phone
  const offlineList = async () => {
    const ul = $("[data-offline-list]");
    if (!ul || !copy || !(await C.meta("data:" + user))) return;  // no data kept: the page's list
    const search = $("form[role=search]"), box = search && search.elements.q, list = await households();
    const show = () => {
      const words = fold(box ? box.value : "").split(/\s+/).filter(Boolean);
      ul.replaceChildren();
      for (const h of list.filter((x) => words.every((w) => fold(x.head_name + " " + x.address).includes(w))).slice(0, 60)) {
        const a = el("a", "row-link"), li = el("li", "household-row"), span = el("span", "row-main");
        a.href = urls.visit + "?household=" + h.id;
        span.append(el("strong", "", h.head_name), el("span", "muted row-sub", h.address));
        a.append(span); li.append(a); ul.append(li);
      }
      if (!ul.firstChild) ul.append(el("li", "", T.nomatch));
    };
    if (search) search.addEventListener("submit", (e) => { e.preventDefault(); show(); });
    if (box) box.addEventListener("input", show);
    const pager = $(".pager");
    if (pager) pager.hidden = true;
    show();
  };

  // --- start -------------------------------------------------------------------------------
  const toast = sessionStorage.getItem("cdt-toast");
  if (toast) { sessionStorage.removeItem("cdt-toast"); say(toast, "flash-success"); }
  if (copy) say(T.offline, "flash-warning");
  const quiet = (promise) => promise.catch(() => {});
  quiet(kick());
  quiet(settleDrafts().then(drain));
  quiet(refreshData());
  quiet(prepareForm());
  quiet(offlineList());
  quiet(C.meta("auth").then((a) => a && !navigator.onLine && authBanner(true)));
  addEventListener("online", () => quiet(C.drainNow()));
  d.addEventListener("visibilitychange", () => d.visibilityState === "visible" && quiet(drain()));
  d.addEventListener("click", (e) => {
    if (e.target.closest("[data-sync-now]")) { e.preventDefault(); quiet(C.drainNow()); }
  });
})();
