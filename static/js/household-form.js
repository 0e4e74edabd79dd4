// The household form, offline: before keeping a new household, look for one on this phone
// (kept or waiting to be sent) in the same village with the same name and address, the
// server's duplicate rule without the phone numbers it does not send. Found: the form shows
// them, with a link to log a visit there, and keeps nothing until the box is ticked.
(() => {
  "use strict";
  const C = window.CDT, d = document, box = d.querySelector("[data-offline-duplicates]");
  if (!C || !box) return;
  const tick = box.querySelector("input[type=checkbox]"), list = box.querySelector("ul");
  const key = (s) => C.fold(s).replace(/\s+/g, " ").trim();
  C.check = async (kind, p, id) => {
    if (kind !== "household" || tick.checked || !key(p.head_name)) return true;
    const same = (await C.households()).filter((h) => h.id !== id && +h.village_id === +p.village_id
      && key(h.head_name) === key(p.head_name) && key(h.address) === key(p.address));
    if (!same.length) return true;
    list.replaceChildren(...same.map((h) => {
      const li = d.createElement("li"), a = d.createElement("a");
      a.href = box.dataset.visit + "?household=" + h.id;
      a.textContent = h.head_name + (h.address ? ", " + h.address : "");
      li.append(a);
      return li;
    }));
    box.hidden = false;
    box.scrollIntoView();
    tick.focus();
    return false;
  };
})();
