// The outbox: records made offline, kept in IndexedDB (every write a transaction with
// durability "strict") until the server has them, and the drain that sends them to
// POST /api/v1/sync. Shared by the pages and the service worker (no DOM here).
// Item: {id (client UUID), kind, payload, user, state, errors, server, label, seq, t}.
// States: draft (being sent by the web form), pending, sending, synced, rejected, conflict.
((self) => {
  "use strict";
  const C = (self.CDT = self.CDT || {});
  const API = "/api/v1", BATCH = 50, KEEP_SYNCED = 3 * 864e5;
  const chan = self.BroadcastChannel && new BroadcastChannel("cdt-outbox");
  let dbp = null;

  const open = () => dbp || (dbp = new Promise((ok, ko) => {
    const r = indexedDB.open("cdt-offline", 1);
    r.onupgradeneeded = () => {  // stores are only ever added: an upgrade never drops data
      for (const [name, key] of [["outbox", "id"], ["meta", "k"]])
        if (!r.result.objectStoreNames.contains(name)) r.result.createObjectStore(name, { keyPath: key });
    };
    r.onsuccess = () => { r.result.onversionchange = () => { r.result.close(); dbp = null; }; ok(r.result); };
    r.onerror = () => { dbp = null; ko(r.error); };
  }));
  // fn(store) inside a transaction; resolves once the transaction has committed
  const tx = async (name, mode, fn) => {
    const db = await open();
    return new Promise((ok, ko) => {
      const t = db.transaction(name, mode, mode === "readwrite" ? { durability: "strict" } : undefined);
      const out = fn(t.objectStore(name));
      t.oncomplete = () => ok(out instanceof IDBRequest ? out.result : out);
      t.onerror = t.onabort = () => ko(t.error);
    });
  };
  const changed = () => { if (chan) chan.postMessage("changed"); if (C.onchange) C.onchange(); };

  C.all = async () => (await tx("outbox", "readonly", (s) => s.getAll())).sort((a, b) => a.seq - b.seq);
  C.get = (id) => tx("outbox", "readonly", (s) => s.get(id));
  C.put = async (items) => {
    items = [].concat(items);
    await tx("outbox", "readwrite", (s) => items.forEach((it) => {
      it.t = Date.now(); it.seq = it.seq || Date.now() + Math.random(); s.put(it);
    }));
    changed();
    return items;
  };
  C.del = async (id) => { await tx("outbox", "readwrite", (s) => s.delete(id)); changed(); };
  C.meta = async (k, v) => {
    if (v === undefined) { const r = await tx("meta", "readonly", (s) => s.get(k)); return r && r.v; }
    return tx("meta", "readwrite", (s) => s.put({ k, v }));
  };
  C.isOpen = (it) => it.state !== "synced" && it.state !== "draft";  // still to send or to fix
  C.uuid = () => crypto.randomUUID();

  const request = async (url, init, ms) => {
    const ctl = new AbortController(), timer = setTimeout(() => ctl.abort(), ms);
    try {
      return await fetch(url, { credentials: "same-origin", cache: "no-store", signal: ctl.signal, ...init });
    } finally { clearTimeout(timer); }
  };
  C.me = async () => {
    const r = await request(API + "/me", {}, 20000);
    if (r.status === 401) return { auth: true };
    if (!r.ok) throw new Error(r.status);
    return r.json();
  };
  const post = (token, items) => request(API + "/sync", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": token },
    body: JSON.stringify({ items: items.map(({ kind, id, payload }) => ({ kind, id, payload })) }),
  }, 60000);

  // The server's answers; a household now stored lets its rejected visits try again.
  const apply = async (items, results) => {
    const byId = {}, stored = {};
    for (const r of results) if (r && r.id) byId[r.id] = r;
    for (const it of items) {
      const r = byId[it.id];
      if (!r) { it.state = "pending"; continue; }
      it.errors = r.errors || {}; it.server = r.server || null;
      if (r.status === "rejected" || r.status === "conflict") it.state = r.status;
      else { it.state = "synced"; it.synced = Date.now(); if (it.kind === "household") stored[it.id] = 1; }
    }
    const all = await C.all();
    const again = all.filter((v) => v.state === "rejected" && v.kind === "visit" && v.errors.household_id && stored[v.payload.household_id]);
    again.forEach((v) => { v.state = "pending"; v.errors = {}; });
    await C.put(items.concat(again));
    for (const v of all) if (v.state === "synced" && Date.now() - v.synced > KEEP_SYNCED) await C.del(v.id);
  };

  // Send the logged-in user's open items, one request at a time (one drain at a time, across
  // the tabs and the service worker). Resolves {status: done | auth | retry | busy, sent}.
  C.drain = () => navigator.locks.request("cdt-drain", { ifAvailable: true }, (lock) => (lock ? run() : { status: "busy", sent: 0 }));

  const run = async () => {
    let me, sent = 0, size = BATCH, renewed = false;
    const back = async (items, status) => {
      items.forEach((it) => { it.state = "pending"; });
      await C.put(items);
      return { status, sent };
    };
    try { me = await C.me(); } catch (e) { return { status: "retry", sent }; }
    await C.meta("auth", !!me.auth);
    if (me.auth) { changed(); return { status: "auth", sent }; }
    for (;;) {
      const items = (await C.all()).filter((it) => it.user === me.user.id && (it.state === "pending" || it.state === "sending")).slice(0, size);
      if (!items.length) return { status: "done", sent };
      items.forEach((it) => { it.state = "sending"; });
      await C.put(items);
      let r;
      try { r = await post(me.csrf_token, items); } catch (e) { return back(items, "retry"); }
      if (r.status === 401) { await C.meta("auth", true); return back(items, "auth"); }
      if (r.status === 413 && size > 1) { size = Math.ceil(size / 2); await back(items); continue; }
      if (r.status === 400 && !renewed) {  // most likely an expired CSRF token: renew it once
        renewed = true; await back(items);
        try { me = await C.me(); } catch (e) { return { status: "retry", sent }; }
        if (me.auth) return { status: "auth", sent };
        continue;
      }
      if (!r.ok) return back(items, "retry");
      let body;
      try { body = await r.json(); } catch (e) { return back(items, "retry"); }
      sent += items.length;
      await apply(items, body.results || []);
    }
  };
})(self);
