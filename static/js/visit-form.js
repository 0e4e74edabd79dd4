// Visit form, progressive enhancement only (the form works without it):
// ticking "completed" ticks the skill; unticking a skill unticks its "completed";
// an optional button adds the phone's location.
(function () {
  "use strict";
  var form = document.querySelector(".visit-form");
  if (!form) return;
  form.addEventListener("change", function (event) {
    var box = event.target;
    if (box.name === "completed" && box.checked) {
      var skill = document.getElementById(box.getAttribute("data-skill"));
      if (skill) skill.checked = true;
    } else if (box.name === "skills" && !box.checked) {
      var done = form.querySelector('input[name="completed"][value="' + box.value + '"]');
      if (done) done.checked = false;
    }
  });
  var geo = form.querySelector(".geo");
  var lat = form.querySelector('input[name="lat"]');
  var lon = form.querySelector('input[name="lon"]');
  if (!geo || !lat || !lon || !navigator.geolocation || lat.value) return;
  geo.hidden = false;
  var status = document.getElementById("geo-status");
  document.getElementById("geo-button").addEventListener("click", function () {
    status.textContent = "…";
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        lat.value = pos.coords.latitude.toFixed(6);
        lon.value = pos.coords.longitude.toFixed(6);
        status.textContent = "✓";
      },
      function () { status.textContent = "✗"; },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 }
    );
  });
})();
