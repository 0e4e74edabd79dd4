// Offline mode on every page (progressive enhancement; needs outbox.js): the service worker,
// the pending count, draining the outbox, the offline data, and the visit and household
// forms, which save to the outbox when there is no network (and keep a copy while the web
// form is being sent, so a lost answer or an expired session cannot lose a visit).
(function () {
  "use strict";
  var C = window.CDT, d = document, badge = d.getElementById("outbox-count");
  var T = (d.getElementById("cdt-text") || { dataset: {} }).dataset;
  if (!C || !window.indexedDB) return;
  var user = badge ? +badge.dataset.user : 0, urls = badge ? badge.dataset : {};
  var copy = d.documentElement.hasAttribute("data-offline-copy"), q = new URLSearchParams(location.search);
  var fixId = q.get("outbox"), open = 0, delay = 0, timer, NIL = "00000000-0000-0000-0000-000000000000";

  function $(s, r) { return (r || d).querySelector(s); }
  function el(tag, cls, text) { var e = d.createElement(tag); if (cls) e.className = cls; if (text) e.textContent = text; return e; }
  function say(text, cls) {
    var p = el("p", "flash " + (cls || "flash-info"), text), m = $("#main");
    p.setAttribute("role", "status"); if (m) m.insertBefore(p, m.firstChild); return p;
  }
  function fold(s) { return (s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase().replace(/y/g, "i"); }
  function today() { var n = new Date(); n.setMinutes(n.getMinutes() - n.getTimezoneOffset()); return n.toISOString().slice(0, 10); }
  function go(url, toast) { if (toast) sessionStorage.setItem("cdt-toast", toast); location.assign(url); }

  // --- the count on every page, draining with backoff --------------------------------------
  function count() {
    return C.all().then(function (items) {
      var mine = items.filter(function (it) { return it.user === user && C.isOpen(it); });
      open = mine.length;
      if (badge) { badge.hidden = !open; badge.textContent = (T.count || "{n}").replace("{n}", open); }
      return mine;
    });
  }
  C.onchange = count;
  if (window.BroadcastChannel) new BroadcastChannel("cdt-outbox").onmessage = count;

  function drain() {
    clearTimeout(timer);
    return count().then(function (mine) {
      if (!navigator.onLine || !mine.some(function (it) { return it.state === "pending" || it.state === "sending"; })) return;
      return C.drain().then(function (r) {
        authBanner(r.status === "auth");
        if (r.status === "retry") {
          delay = Math.min(delay ? delay * 2 : 2000, 300000);
          timer = setTimeout(drain, delay * (0.75 + Math.random() / 2));
        } else if (r.status !== "busy") delay = 0;
        return count();
      });
    });
  }
  C.drainNow = function () { delay = 0; return drain(); };
  var banner;
  function authBanner(show) {
    if (!show) { if (banner) banner.remove(); banner = null; return; }
    if (banner) return;
    banner = say(T.auth, "flash-warning");
    var a = el("a", "btn btn-primary", T.login);
    a.href = urls.login + "?next=" + encodeURIComponent(location.pathname + location.search);
    banner.appendChild(d.createTextNode(" ")); banner.appendChild(a);
  }

  // --- the service worker, persistent storage, the data kept for offline use -----------------
  function kick() {
    if (!("serviceWorker" in navigator) || !urls.sw) return;
    navigator.serviceWorker.register(urls.sw, { scope: "/", updateViaCache: "none" }).then(function (reg) {
      if (!user || !navigator.onLine || copy) return;
      return C.meta("pages").then(function (p) {
        if (p && p.user === user && Date.now() - p.t < 18e5) return;
        return navigator.serviceWorker.ready.then(function (r) {
          r.active.postMessage({ type: "refresh" });
          return C.meta("pages", { user: user, t: Date.now() });
        });
      });
    }).catch(function () {});
  }
  function refreshData() {
    if (!user || !navigator.onLine || copy) return;
    C.meta("data:" + user).then(function (old) {
      if (old && Date.now() - old.t < 6e5) return;
      return fetch(urls.data, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
        if (r.ok) return r.json().then(function (data) { return C.meta("data:" + user, { t: Date.now(), data: data }); });
      });
    }).catch(function () {});
  }
  function persist() { if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {}); }

  // households on this phone: the offline data plus those waiting in the outbox
  function households() {
    return Promise.all([C.meta("data:" + user), C.all()]).then(function (r) {
      var list = ((r[0] && r[0].data.households) || []).slice();
      r[1].forEach(function (it) {
        if (it.kind === "household" && it.user === user && it.state !== "synced")
          list.unshift({ id: it.id, village_id: +it.payload.village_id, head_name: it.payload.head_name, address: it.payload.address, members: +it.payload.members });
      });
      return list;
    });
  }

  // --- the forms ---------------------------------------------------------------------------
  function num(v) { return /^\s*\d+\s*$/.test(v) ? +v : v; }
  function opt(v) { return v === "" || v == null ? null : num(v); }
  function payload(f, kind) {
    var fd = new FormData(f), v = function (n) { var x = fd.get(n); return x == null ? "" : String(x); };
    if (kind === "household") {
      return { village_id: num(v("village_id")), head_name: v("head_name"), address: v("address"), phone: v("phone") || null,
        members: num(v("members")), smartphone_members: opt(v("smartphone_members")), consent: fd.has("consent"), notes: v("notes") };
    }
    var taught = fd.getAll("skills"), done = fd.getAll("completed");
    var codes = taught.concat(done.filter(function (c) { return taught.indexOf(c) < 0; }));
    return { household_id: v("household_id"), visited_on: v("visited_on"),
      skills: codes.map(function (c) { return { code: c, completed: done.indexOf(c) >= 0 }; }),
      people_taught: num(v("people_taught")), notes: v("notes"), lat: opt(v("lat")), lon: opt(v("lon")) };
  }
  function label(f, kind, p) {
    if (kind === "household") return [p.head_name, p.address];
    var h = $(".visit-household strong");
    return [h ? h.textContent : "", p.visited_on.split("-").reverse().join("/")];
  }

  d.addEventListener("submit", function (e) {
    var f = e.target, kind = f.getAttribute("data-offline-form");
    if (/\/logout$/.test(f.action || "")) {
      if (open && !confirm((T.logout || "").replace("{n}", open))) e.preventDefault();
      else if ("serviceWorker" in navigator && navigator.serviceWorker.controller)
        navigator.serviceWorker.controller.postMessage({ type: "forget", user: user });
      return;
    }
    if (!kind || !user) return;
    e.preventDefault();
    var blank = f.elements.household_id && f.elements.household_id.defaultValue === NIL;
    var offline = copy || fixId || blank || !navigator.onLine, idField = f.elements.new_id;
    var p = payload(f, kind);
    var item = { id: idField.value, kind: kind, payload: p, user: user, state: offline ? "pending" : "draft", errors: {}, label: label(f, kind, p) };
    C.get(item.id).then(function (old) {
      if (old && old.state !== "draft" && !fixId) item.id = idField.value = C.uuid();  // never overwrite another item
      return C.put(item);
    }).then(function () {
      if (!offline) return HTMLFormElement.prototype.submit.call(f);  // the web form as usual
      persist();
      navigator.serviceWorker && navigator.serviceWorker.ready.then(function (r) { if (r.sync) r.sync.register("cdt-outbox"); }).catch(function () {});
      if (kind === "household") go(urls.visit + "?household=" + item.id, T.household);
      else go(fixId ? urls.sync : urls.visit, T.queued);
    }, function () { if (!offline) HTMLFormElement.prototype.submit.call(f); else alert(T.failed); });
  });

  // Drafts were sent by the web form: the server has them when it shows them (or shows the
  // form again with errors); otherwise they go to the outbox.
  function settleDrafts() {
    return C.all().then(function (items) {
      var todo = [];
      items.forEach(function (it) {
        if (it.state !== "draft" || it.user !== user || copy) return;
        var shown = location.pathname.indexOf(it.id) >= 0 || $('a[href*="' + it.id + '"]') || $('input[name="new_id"][value="' + it.id + '"]');
        if (shown) C.del(it.id); else { it.state = "pending"; todo.push(it); }
      });
      return todo.length && C.put(todo);
    });
  }

  // an offline copy of a form (or a fix): a fresh id, today's date, the household, the item
  function prepareForm() {
    var f = $("form[data-offline-form]");
    if (!f || !user) return;
    var kind = f.getAttribute("data-offline-form"), el_ = f.elements;
    if (copy) el_.new_id.value = C.uuid();
    var ready = fixId ? C.get(fixId) : Promise.resolve(null);
    ready.then(function (item) {
      if (item) fill(f, item);
      if (kind !== "visit") return;
      if (copy && !item) el_.visited_on.value = today();
      el_.visited_on.max = today();
      if (el_.household_id.value !== NIL) return;
      var hid = q.get("household") || (item && item.payload.household_id);
      return households().then(function (list) {
        var h = list.filter(function (x) { return x.id === hid; })[0], line = $(".visit-household");
        if (!h) { f.hidden = true; say(T.nohousehold, "flash-error"); return; }
        el_.household_id.value = h.id;
        line.textContent = ""; line.appendChild(el("strong", "", h.head_name));
        if (h.address) line.appendChild(el("span", "muted", " · " + h.address));
        var hint = $("#people_taught-hint"); if (hint) hint.textContent = hint.textContent.replace("{members}", h.members);
      });
    });
  }
  function fill(f, item) {
    var p = item.payload, el_ = f.elements;
    el_.new_id.value = item.id;
    Object.keys(p).forEach(function (k) {
      var x = el_[k];
      if (!x || k === "skills") return;
      if (x.type === "checkbox") x.checked = !!p[k]; else x.value = p[k] == null ? "" : p[k];
    });
    if (p.skills) p.skills.forEach(function (s) {
      var a = $('input[name="skills"][value="' + s.code + '"]', f), b = $('input[name="completed"][value="' + s.code + '"]', f);
      if (a) a.checked = true; if (b) b.checked = !!s.completed;
    });
    var errs = Object.keys(item.errors || {});
    if (errs.length) {
      var box = el("div", "error-box"); box.setAttribute("role", "alert");
      errs.forEach(function (k) { box.appendChild(el("p", "", item.errors[k])); var x = el_[k]; if (x && x.setAttribute) x.setAttribute("aria-invalid", "true"); });
      f.insertBefore(box, f.firstChild);
    }
  }

  // the household list of an offline copy: from the phone, searched on the phone
  function offlineList() {
    var ul = $("[data-offline-list]");
    if (!ul || !copy) return;
    var search = $("form[role=search]"), box = search && search.elements.q;
    households().then(function (list) {
      function show() {
        var words = fold(box ? box.value : "").split(/\s+/).filter(Boolean);
        ul.textContent = "";
        list.filter(function (h) {
          var text = fold(h.head_name + " " + h.address);
          return words.every(function (w) { return text.indexOf(w) >= 0; });
        }).slice(0, 60).forEach(function (h) {
          var a = el("a", "row-link"), li = el("li", "household-row"), span = el("span", "row-main");
          a.href = urls.visit + "?household=" + h.id;
          span.appendChild(el("strong", "", h.head_name)); span.appendChild(el("span", "muted row-sub", h.address));
          a.appendChild(span); li.appendChild(a); ul.appendChild(li);
        });
        if (!ul.firstChild) ul.appendChild(el("li", "", T.nomatch));
      }
      if (search) search.addEventListener("submit", function (e) { e.preventDefault(); show(); });
      if (box) box.addEventListener("input", show);
      var pager = $(".pager"); if (pager) pager.hidden = true;
      show();
    });
  }

  // --- start -------------------------------------------------------------------------------
  var toast = sessionStorage.getItem("cdt-toast");
  if (toast) { sessionStorage.removeItem("cdt-toast"); say(toast, "flash-success"); }
  if (copy) say(T.offline, "flash-warning");
  kick();
  if (user) {
    settleDrafts().then(drain).catch(function () {});
    refreshData(); prepareForm(); offlineList();
    C.meta("auth").then(function (a) { if (a && !navigator.onLine) authBanner(true); });
  }
  window.addEventListener("online", C.drainNow);
  d.addEventListener("visibilitychange", function () { if (d.visibilityState === "visible") drain(); });
  d.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-sync-now]")) { e.preventDefault(); C.drainNow(); }
  });
})();
