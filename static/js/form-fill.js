// A form kept on the phone, or a record of the outbox to fix (offline-forms.js loads this for
// them only): a new id, today's date, the household of a blank visit form, the item's values
// and the server's messages.
import { getItem } from "./outbox-store.js";
import { phoneHouseholds } from "./offline-households.js";
import { isoDay } from "./shared-rules.js";
import { $, el, isKeptCopy, say, texts } from "./dom.js";

// as VisitForm.show_date: "Hôm nay" or "Hôm qua" when it is, the date as dd/mm/yyyy anyway
const showDate = (fields, iso) => {
  fields.visited_day.value = iso === isoDay() ? "today" : iso === isoDay(1) ? "yesterday" : "other";
  fields.visited_on.value = /^\d{4}-\d\d-\d\d$/.test(iso) ? iso.split("-").reverse().join("/") : iso;
};

// a profile value as its input shows it (as cdt_app.households.forms.profile_text)
const shown = (name, v) => (v == null ? "" : name === "broadband" ? (v ? "yes" : "no") : v);

const fill = (form, item) => {
  const fields = form.elements, errors = Object.entries(item.errors || {}), box = el("div", "error-box");
  fields.new_id.value = item.id;
  for (const [name, value] of Object.entries(item.payload)) {
    const field = fields[name];
    if (!field || name === "skills") continue;
    if (field.type === "checkbox") field.checked = !!value; else field.value = shown(name, value);
  }
  if (fields.visited_day) showDate(fields, item.payload.visited_on);
  // the profile values the item changed (the others were not sent: left as shown, empty)
  for (const [name, v] of Object.entries(item.payload.profile || {})) {
    if (fields["profile_" + name]) fields["profile_" + name].value = shown(name, v);
  }
  for (const skill of item.payload.skills || []) {
    const taught = $(`input[name="skills"][value="${skill.code}"]`, form), done = $(`input[name="completed"][value="${skill.code}"]`, form);
    if (taught) taught.checked = true;
    if (done) done.checked = !!skill.completed;
  }
  if (!errors.length) return;
  box.setAttribute("role", "alert");
  for (const [name, message] of errors) {
    box.append(el("p", "", message));
    if (fields[name] && fields[name].setAttribute) fields[name].setAttribute("aria-invalid", "true");
  }
  form.prepend(box);
};

export const prepare = async (form, fixId) => {
  const fields = form.elements, item = fixId ? await getItem(fixId) : null;
  if (isKeptCopy) fields.new_id.value = crypto.randomUUID();
  if (item) fill(form, item);
  if (!fields.household_id) return;  // the household form
  if (isKeptCopy && !item) showDate(fields, isoDay());
  if (fields.household_id.value !== "00000000-0000-0000-0000-000000000000") return;
  const id = new URLSearchParams(location.search).get("household") || item?.payload.household_id;
  const household = (await phoneHouseholds()).find((candidate) => candidate.id === id), line = $(".visit-household");
  if (!household) { form.hidden = true; return say(texts.nohousehold, "flash-error"); }
  const hint = $("#people_taught-hint");
  fields.household_id.value = household.id;
  line.replaceChildren(el("strong", "", household.head_name));
  if (household.address) line.append(el("span", "muted", " · " + household.address));
  if (hint) hint.textContent = hint.textContent.replace("{members}", household.members);
  // the profile kept on the phone, shown and compared with (as VisitForm.show_profile)
  const profile = household.profile || { members: household.members };
  for (const input of form.querySelectorAll('[name^="profile_"]')) {
    const name = input.name.slice(8);
    input.value = fields["was_" + name].value = shown(name, profile[name]);
  }
};
