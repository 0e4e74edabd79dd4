// Rules shared with the server; tests/test_shared_rules.py checks them against cdt_app's.

// cdt_app.i18n.search_key: white space collapsed, no case, no marks, đ (ð) → d, y → i
export const fold = (text) => (text || "").normalize("NFC").trim().split(/\s+/).join(" ")
  .toLowerCase().normalize("NFD").replace(/\p{Mn}/gu, "").replace(/[đð]/g, "d").replace(/y/g, "i");

// today in Vietnam (UTC+7 all year, as cdt_app.i18n.today_local), or ``back`` days before
export const isoDay = (back = 0) => new Date(Date.now() + (7 - 24 * back) * 36e5).toISOString().slice(0, 10);

// a date typed as cdt_app.values.parse_date reads it, as yyyy-mm-dd (the server checks it)
const isoDate = (text) => {
  const t = text.trim(), m = /^(\d\d?)([/.-])(\d\d?)\2(\d{4})$/.exec(t) || /^(\d\d)()(\d\d)(\d{4})$/.exec(t);
  return m ? [m[4], m[3].padStart(2, "0"), m[1].padStart(2, "0")].join("-") : t;
};

const number = (value) => (/^\s*\d+\s*$/.test(value) ? +value : value);
const optional = (value) => (value === "" ? null : number(value));
// the digital profile (cdt_app.models.PROFILE_FIELDS); broadband is yes / no / not known (null)
export const PROFILE = ["members", "adults", "smartphone_adults", "vneid_level2", "payment_adults", "health_record", "broadband"];
const profileValue = (name, v) => (name === "broadband" ? { yes: true, no: false }[v] ?? null : optional(v));

// a form's sync payload: HOUSEHOLD_FIELDS or VISIT_FIELDS, as the server's forms make them
// ("completed" alone means taught too, as in VisitForm.service_data)
export const formPayload = (kind, data) => {
  const value = (name) => String(data.get(name) ?? "");
  if (kind === "household") {
    return { village_id: number(value("village_id")), head_name: value("head_name"), address: value("address"),
      phone: value("phone") || null, members: number(value("members")),
      consent: data.has("consent"), notes: value("notes"),
      ...Object.fromEntries(PROFILE.slice(1).map((name) => [name, profileValue(name, value(name))])) };
  }
  const taught = data.getAll("skills"), done = data.getAll("completed");
  const back = ["today", "yesterday"].indexOf(value("visited_day"));  // as VisitForm.visit_date
  return { household_id: value("household_id"), visited_on: back < 0 ? isoDate(value("visited_on")) : isoDay(back),
    skills: taught.concat(done.filter((code) => !taught.includes(code)).sort()).map((code) => ({ code, completed: done.includes(code) })),
    people_taught: number(value("people_taught")), notes: value("notes"), lat: optional(value("lat")), lon: optional(value("lon")),
    // only what was changed from the profile shown (as VisitForm.profile_changes)
    profile: Object.fromEntries(PROFILE.filter((name) => data.has("profile_" + name) && value("profile_" + name).trim() !== value("was_" + name).trim())
      .map((name) => [name, profileValue(name, value("profile_" + name).trim())])) };
};
