// Rules shared with the server (tests/test_shared_rules.py).

// cdt_app.i18n.search_key: white space collapsed, no case, no marks, đ (ð) → d, y → i
export const fold = (text) => (text || "").normalize("NFC").trim().split(/\s+/).join(" ")
  .toLowerCase().normalize("NFD").replace(/\p{Mn}/gu, "").replace(/[đð]/g, "d").replace(/y/g, "i");

// i18n.duplicate_key
export const duplicateKey = (text) => fold(text).replace(/[^\p{L}\p{N}]/gu, "");

// today in Vietnam, or back days before
export const isoDay = (back = 0) => new Date(Date.now() + (7 - 24 * back) * 36e5).toISOString().slice(0, 10);

// a typed date as values.parse_date reads it
const isoDate = (text) => {
  const t = text.trim(), m = /^(\d\d?)([/.-])(\d\d?)\2(\d{4})$/.exec(t) || /^(\d\d)()(\d\d)(\d{4})$/.exec(t);
  return m ? [m[4], m[3].padStart(2, "0"), m[1].padStart(2, "0")].join("-") : t;
};

const number = (value) => (/^\s*\d+\s*$/.test(value) ? +value : value);
const optional = (value) => (value === "" ? null : number(value));
// a profile value: a count; broadband yes / no / null
const cast = (k, v) => (k.endsWith("broadband") ? { yes: true, no: false }[v] ?? null : optional(v));

// a form's sync payload as the server's forms make it
export const formPayload = (kind, data) => {
  const value = (name) => String(data.get(name) ?? "");
  if (kind === "household") {
    return { village_id: number(value("village_id")), head_name: value("head_name"), address: value("address"),
      phone: value("phone") || null, members: number(value("members")),
      consent: data.has("consent"), notes: value("notes"),
      ...Object.fromEntries("adults smartphone_adults vneid_level2 payment_adults health_record broadband".split(" ").map((k) => [k, cast(k, value(k))])) };
  }
  const taught = data.getAll("skills"), done = data.getAll("completed");
  const back = ["today", "yesterday"].indexOf(value("visited_day"));  // as VisitForm.visit_date
  return { household_id: value("household_id"), visited_on: back < 0 ? isoDate(value("visited_on")) : isoDay(back),
    skills: taught.concat(done.filter((code) => !taught.includes(code)).sort()).map((code) => ({ code, completed: done.includes(code) })),
    people_taught: number(value("people_taught")), notes: value("notes"), lat: optional(value("lat")), lon: optional(value("lon")),
    profile: Object.fromEntries([...data.keys()].filter((k) => k.startsWith("profile_") && value(k).trim() !== value("was_" + k.slice(8)).trim())
      .map((k) => [k.slice(8), cast(k, value(k).trim())])) };
};
