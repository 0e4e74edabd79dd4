// The outbox store (pages and service worker): records made on this phone, kept in IndexedDB
// until the server has them, every write "strict"; and values kept beside them ("meta").
// Item: {id, kind, payload, user, state, errors, server, label, seq, t, synced}; state:
// draft (web form), pending, sending, synced, rejected, conflict.
const channel = self.BroadcastChannel && new BroadcastChannel("cdt-outbox"), listeners = [];
const tellListeners = () => listeners.forEach((listener) => listener());
if (channel) channel.onmessage = tellListeners;  // changed by another tab or the worker
let opening = null;

const open = () => opening || (opening = new Promise((resolve, reject) => {
  const request = indexedDB.open("cdt-offline", 1);
  request.onupgradeneeded = () => {  // stores are only ever added: an upgrade never drops data
    const names = request.result.objectStoreNames;
    if (!names.contains("outbox")) request.result.createObjectStore("outbox", { keyPath: "id" });
    if (!names.contains("meta")) request.result.createObjectStore("meta", { keyPath: "k" });
  };
  request.onsuccess = () => {
    request.result.onversionchange = () => { request.result.close(); opening = null; };
    resolve(request.result);
  };
  request.onerror = () => { opening = null; reject(request.error); };
}));

// work(store) in a transaction; resolves once it has committed
const transact = async (name, mode, work) => {
  const database = await open();
  return new Promise((resolve, reject) => {
    const transaction = database.transaction(name, mode, { durability: "strict" });
    const result = work(transaction.objectStore(name));
    transaction.oncomplete = () => resolve(result instanceof IDBRequest ? result.result : result);
    transaction.onerror = transaction.onabort = () => reject(transaction.error);
  });
};
const write = async (work) => {
  await transact("outbox", "readwrite", work);
  notifyChange();
};

export const onChange = (listener) => listeners.push(listener);
export const notifyChange = () => {
  if (channel) channel.postMessage("changed");
  tellListeners();
};
export const allItems = async () => (await transact("outbox", "readonly", (store) => store.getAll())).sort((a, b) => a.seq - b.seq);
export const getItem = (id) => transact("outbox", "readonly", (store) => store.get(id));
export const putItems = (items) => write((store) => [].concat(items).forEach((item) => {
  item.t = Date.now();
  item.seq = item.seq || item.t + Math.random();
  store.put(item);
}));
export const deleteItem = (id) => write((store) => store.delete(id));
export const isOpen = (item) => item.state !== "synced" && item.state !== "draft";  // to send or to fix
export const isWaiting = (item) => item.state === "pending" || item.state === "sending";  // to send

export const readMeta = async (key) => (await transact("meta", "readonly", (store) => store.get(key)) || {}).v;
export const writeMeta = (key, value) => transact("meta", "readwrite", (store) => store.put({ k: key, v: value }));

// asks the browser not to evict this data when the phone runs short of space
export const keepStorage = () => navigator.storage?.persist?.().catch(() => {});
