// The outbox: records made offline, kept in IndexedDB until the server has them, and the
// drain that sends them to POST /api/v1/sync. Shared by the pages and the service worker
// (no DOM here). Every write is a transaction with durability "strict".
// Item: {id (client UUID), kind, payload, user, state, errors, server, label, seq, t}
// States: draft (sent by the web form, not yet confirmed), pending, sending, synced,
// rejected, conflict.
(function (self) {
  "use strict";
  var C = self.CDT = self.CDT || {};
  var DB = "cdt-offline", API = "/api/v1", BATCH = 50, KEEP_SYNCED = 3 * 864e5;
  var dbp, busy = false, chan = self.BroadcastChannel ? new BroadcastChannel("cdt-outbox") : null;

  function open() {
    return dbp || (dbp = new Promise(function (ok, ko) {
      var r = indexedDB.open(DB, 1);
      r.onupgradeneeded = function () {  // only ever add stores: never drop data on upgrade
        var db = r.result;
        if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "id" });
        if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta", { keyPath: "k" });
      };
      r.onsuccess = function () { r.result.onversionchange = function () { r.result.close(); dbp = null; }; ok(r.result); };
      r.onerror = function () { dbp = null; ko(r.error); };
    }));
  }
  // run fn(store) in a transaction; resolves when the transaction has committed
  function tx(name, mode, fn) {
    return open().then(function (db) {
      return new Promise(function (ok, ko) {
        var t = db.transaction(name, mode, mode === "readwrite" ? { durability: "strict" } : undefined);
        var out = fn(t.objectStore(name));
        t.oncomplete = function () { ok(out instanceof IDBRequest ? out.result : out); };
        t.onerror = t.onabort = function () { ko(t.error); };
      });
    });
  }
  function changed() { if (chan) chan.postMessage("changed"); if (C.onchange) C.onchange(); }

  C.all = function () {
    return tx("outbox", "readonly", function (s) { return s.getAll(); }).then(function (items) {
      return items.sort(function (a, b) { return a.seq - b.seq; });
    });
  };
  C.get = function (id) { return tx("outbox", "readonly", function (s) { return s.get(id); }); };
  C.put = function (items) {
    items = [].concat(items);
    return tx("outbox", "readwrite", function (s) {
      items.forEach(function (it) { it.t = Date.now(); it.seq = it.seq || Date.now() + Math.random(); s.put(it); });
    }).then(function () { changed(); return items; });
  };
  C.del = function (id) { return tx("outbox", "readwrite", function (s) { s.delete(id); }).then(changed); };
  C.meta = function (k, v) {
    if (v === undefined) return tx("meta", "readonly", function (s) { return s.get(k); }).then(function (r) { return r && r.v; });
    return tx("meta", "readwrite", function (s) { s.put({ k: k, v: v }); });
  };
  C.isOpen = function (it) { return ["synced", "draft"].indexOf(it.state) < 0; };  // still to send or fix
  C.uuid = function () {
    if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)), h = [];
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    for (var i = 0; i < 16; i++) h.push((b[i] + 256).toString(16).slice(1));
    h = h.join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  };

  function get(url, timeout) {
    var ctl = self.AbortController ? new AbortController() : null;
    var timer = ctl && setTimeout(function () { ctl.abort(); }, timeout || 20000);
    return fetch(url, { credentials: "same-origin", cache: "no-store", signal: ctl && ctl.signal })
      .finally(function () { clearTimeout(timer); });
  }
  C.me = function () {
    return get(API + "/me").then(function (r) {
      if (r.status === 401) return { auth: true };
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  };

  function post(token, items) {
    var ctl = self.AbortController ? new AbortController() : null;
    var timer = ctl && setTimeout(function () { ctl.abort(); }, 60000);
    return fetch(API + "/sync", {
      method: "POST", credentials: "same-origin", cache: "no-store", signal: ctl && ctl.signal,
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ items: items.map(function (it) { return { kind: it.kind, id: it.id, payload: it.payload }; }) })
    }).finally(function () { clearTimeout(timer); });
  }

  // Apply the server's answers; a household now stored lets its rejected visits try again.
  function apply(items, results) {
    var byId = {}, stored = {};
    results.forEach(function (r) { if (r && r.id) byId[r.id] = r; });
    items.forEach(function (it) {
      var r = byId[it.id];
      if (!r) { it.state = "pending"; return; }
      it.errors = r.errors || {}; it.server = r.server || null;
      if (r.status === "rejected" || r.status === "conflict") it.state = r.status;
      else { it.state = "synced"; it.synced = Date.now(); if (it.kind === "household") stored[it.id] = 1; }
    });
    return C.all().then(function (all) {
      var again = all.filter(function (v) {
        return v.state === "rejected" && v.kind === "visit" && stored[v.payload.household_id] && v.errors.household_id;
      });
      again.forEach(function (v) { v.state = "pending"; v.errors = {}; });
      var old = all.filter(function (v) { return v.state === "synced" && Date.now() - v.synced > KEEP_SYNCED; });
      return C.put(items.concat(again)).then(function () {
        return Promise.all(old.map(function (v) { return C.del(v.id); }));
      });
    });
  }

  // Send every open item of the logged-in user, one request at a time.
  // Resolves {status: "done" | "auth" | "retry" | "busy", sent}.
  C.drain = function () {
    if (self.navigator && navigator.locks) {
      return navigator.locks.request("cdt-drain", { ifAvailable: true }, function (lock) {
        return lock ? run() : { status: "busy", sent: 0 };
      });
    }
    if (busy) return Promise.resolve({ status: "busy", sent: 0 });
    busy = true;
    return run().finally(function () { busy = false; });
  };

  function run() {
    var sent = 0, size = BATCH, me, csrfRetry = true;
    function fail(items, status) {
      items.forEach(function (it) { it.state = "pending"; });
      return C.put(items).then(function () { return { status: status, sent: sent }; });
    }
    function next() {
      return C.all().then(function (all) {
        var items = all.filter(function (it) {
          return it.user === me.user.id && (it.state === "pending" || it.state === "sending");
        }).slice(0, size);
        if (!items.length) return { status: "done", sent: sent };
        items.forEach(function (it) { it.state = "sending"; });
        return C.put(items).then(function () { return post(me.csrf_token, items); }).then(function (r) {
          if (r.status === 401) return C.meta("auth", true).then(function () { return fail(items, "auth"); });
          if (r.status === 413 && size > 1) { size = Math.ceil(size / 2); return fail(items, "").then(next); }
          if (r.status === 400 && csrfRetry) {  // most likely an expired CSRF token: renew it once
            csrfRetry = false;
            return fail(items, "").then(C.me).then(function (m) {
              if (m.auth) return { status: "auth", sent: sent };
              me = m; return next();
            });
          }
          if (!r.ok) return fail(items, "retry");
          return r.json().then(function (body) {
            sent += items.length;
            return apply(items, body.results || []).then(next);
          });
        }, function () { return fail(items, "retry"); });
      });
    }
    return C.me().then(function (m) {
      if (m.auth) return C.meta("auth", true).then(function () { changed(); return { status: "auth", sent: 0 }; });
      me = m;
      return C.meta("auth", false).then(next);
    }, function () { return { status: "retry", sent: 0 }; }).then(function (res) { changed(); return res; });
  }
})(self);
