// The register: "Everyone present" marks those not marked yet without a round trip, and
// the bar at the foot keeps count of who is marked. Without this script the button posts
// the form and the page comes back with the same marks (attendance.views.register).
(function () {
  const form = document.getElementById("register-form");
  if (!form) return;
  const lines = Array.from(form.querySelectorAll(".register-line"));
  const count = document.getElementById("register-marked");

  function isMarked(line) {
    return line.querySelector("input[type=radio]:checked") !== null;
  }

  function showCount() {
    if (count) count.textContent = String(lines.filter(isMarked).length);
  }

  const everyone = form.querySelector("button[name=everyone_present]");
  if (everyone) {
    // A plain button now, so Enter in the form saves rather than marks everyone.
    everyone.type = "button";
    everyone.addEventListener("click", function () {
      lines.forEach(function (line) {
        const present = line.querySelector("input[type=radio][value=present]");
        if (present && !isMarked(line)) present.checked = true;
      });
      showCount();
    });
  }
  form.addEventListener("change", showCount);
})();
