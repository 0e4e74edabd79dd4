// The visit and household forms: offline (a kept copy, a record to fix) they save to the
// outbox; else they post and keep a draft (offline.js), so no record is ever lost.
import { getItem, keepStorage, putItems } from "./outbox-store.js";
import { formPayload } from "./shared-rules.js";
import { $, canWorkOffline, isKeptCopy, texts, urls, user } from "./dom.js";

const form = $("form[data-offline-form]"), kind = form?.getAttribute("data-offline-form"), fields = form?.elements;
const fixId = new URLSearchParams(location.search).get("outbox");
const blank = fields?.household_id?.defaultValue === "00000000-0000-0000-0000-000000000000";
let checkBeforeKeeping = null;

// for household-form.js: check(payload, id) resolves false to keep nothing
export const setOfflineCheck = (check) => { checkBeforeKeeping = check; };

const label = (payload) => kind === "household" ? [payload.head_name, payload.address]
  : [($(".visit-household strong") || {}).textContent || "", payload.visited_on.split("-").reverse().join("/")];

const save = async (event) => {
  event.preventDefault();
  const offline = isKeptCopy || fixId || blank || !navigator.onLine, payload = formPayload(kind, new FormData(form));
  // a failed look-up never blocks saving
  if (offline && checkBeforeKeeping && !(await checkBeforeKeeping(payload, fields.new_id.value).catch(() => true))) return;
  const item = { id: fields.new_id.value, kind, payload, user, state: offline ? "pending" : "draft", errors: {}, label: label(payload) };
  try {
    const old = await getItem(item.id);
    if (old && old.state !== "draft" && !fixId) item.id = fields.new_id.value = crypto.randomUUID();  // never overwrite another
    await putItems(item);
  } catch {
    if (offline) return alert(texts.failed);
  }
  if (!offline) return HTMLFormElement.prototype.submit.call(form);  // the web form as usual
  keepStorage();
  const worker = navigator.serviceWorker;
  if (worker) worker.ready.then((registration) => registration.sync?.register("cdt-outbox")).catch(() => {});
  sessionStorage.setItem("cdt-toast", kind === "household" ? texts.household : texts.queued);  // offline.js shows it
  location.assign(kind === "household" ? urls.visit + "?household=" + item.id : fixId ? urls.sync : urls.visit);
};

if (form && canWorkOffline) {
  form.addEventListener("submit", save);
  // a kept copy or a record to fix is filled in
  if (isKeptCopy || fixId || blank) import("./form-fill.js").then((fill) => fill.prepare(form, fixId)).catch(() => {});
}
