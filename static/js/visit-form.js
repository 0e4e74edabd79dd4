// Visit form, progressive enhancement only: "completed" ticks its skill and back; the
// date; the phone's location (optional).
const form = document.querySelector(".visit-form");
const geo = form?.querySelector(".geo"), lat = form?.elements.lat, lon = form?.elements.lon;
const typed = form?.elements.visited_on;

if (form) form.addEventListener("change", ({ target: box }) => {
  if (box.name === "completed" && box.checked) {
    const skill = document.getElementById(box.getAttribute("data-skill"));
    if (skill) skill.checked = true;
  } else if (box.name === "skills" && !box.checked) {
    const done = form.querySelector(`input[name="completed"][value="${box.value}"]`);
    if (done) done.checked = false;
  } else if (box.name === "visited_day" && box.value === "other") {
    typed.select();
  }
});
// typing chooses "Ngày khác" (without CSS :has() the box shows all along)
typed?.addEventListener("input", () => { form.elements.visited_day.value = "other"; });

if (geo && lat && lon && navigator.geolocation && !lat.value) {
  const status = document.getElementById("geo-status");
  geo.hidden = false;
  document.getElementById("geo-button").addEventListener("click", () => {
    status.textContent = "…";
    navigator.geolocation.getCurrentPosition((position) => {
      lat.value = position.coords.latitude.toFixed(6);
      lon.value = position.coords.longitude.toFixed(6);
      status.textContent = "✓";
    }, () => { status.textContent = "✗"; }, { timeout: 10000, maximumAge: 300000 });
  });
}
