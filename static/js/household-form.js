// The household form, offline: before keeping a new household, look for one on this phone
// (kept or waiting to be sent) in the same village with the same name and address, folded as
// the server folds them (duplicateKey: no case, diacritics, punctuation or spacing), the
// server's duplicate rule without the phone numbers it does not send. Found: the form shows
// them, with a link to log a visit there, and keeps nothing until the box is ticked.
import { setOfflineCheck } from "./offline-forms.js";
import { phoneHouseholds } from "./offline-households.js";
import { duplicateKey } from "./shared-rules.js";

const box = document.querySelector("[data-offline-duplicates]");
const tick = box?.querySelector("input[type=checkbox]"), list = box?.querySelector("ul");

const link = (household) => {
  const line = document.createElement("li"), visit = document.createElement("a");
  visit.href = box.dataset.visit + "?household=" + household.id;
  visit.textContent = household.head_name + (household.address ? ", " + household.address : "");
  line.append(visit);
  return line;
};

if (box) setOfflineCheck(async (payload, id) => {
  const name = duplicateKey(payload.head_name), address = duplicateKey(payload.address);
  if (tick.checked || !name) return true;
  const same = (await phoneHouseholds()).filter((household) => household.id !== id
    && +household.village_id === +payload.village_id && duplicateKey(household.head_name) === name && duplicateKey(household.address) === address);
  if (!same.length) return true;
  list.replaceChildren(...same.map(link));
  box.hidden = false;
  box.scrollIntoView();
  tick.focus();
  return false;
});
