// Rules shared with the server; tests/test_shared_rules.py checks them against cdt_app's.

// cdt_app.i18n.search_key: white space collapsed, no case, no marks, đ (ð) → d, y → i
export const fold = (text) => (text || "").normalize("NFC").trim().split(/\s+/).join(" ")
  .toLowerCase().normalize("NFD").replace(/\p{Mn}/gu, "").replace(/[đð]/g, "d").replace(/y/g, "i");

const number = (value) => (/^\s*\d+\s*$/.test(value) ? +value : value);
const optional = (value) => (value === "" ? null : number(value));

// a form's sync payload: HOUSEHOLD_FIELDS or VISIT_FIELDS, as the server's forms make them
// ("completed" alone means taught too, as in VisitForm.service_data)
export const formPayload = (kind, data) => {
  const value = (name) => String(data.get(name) ?? "");
  if (kind === "household") {
    return { village_id: number(value("village_id")), head_name: value("head_name"), address: value("address"),
      phone: value("phone") || null, members: number(value("members")),
      smartphone_members: optional(value("smartphone_members")), consent: data.has("consent"), notes: value("notes") };
  }
  const taught = data.getAll("skills"), done = data.getAll("completed");
  return { household_id: value("household_id"), visited_on: value("visited_on"),
    skills: taught.concat(done.filter((code) => !taught.includes(code)).sort()).map((code) => ({ code, completed: done.includes(code) })),
    people_taught: number(value("people_taught")), notes: value("notes"), lat: optional(value("lat")), lon: optional(value("lon")) };
};
