// The review checklist: the Approve button stays disabled until every line is ticked and, when the
// confidentiality scan found something, a reason to publish anyway is written. The server checks it anyway.
(function () {
  "use strict";

  function update(form) {
    const button = form.querySelector("[data-review-approve]");
    if (!button) return;
    const checks = Array.from(form.querySelectorAll("input[data-review-check]"));
    const override = form.querySelector("[data-review-override]");
    const ticked = checks.every(function (box) { return box.checked; });
    const reasoned = !override || override.value.trim() !== "";
    button.disabled = !(ticked && reasoned);
    const hint = form.querySelector("[data-review-hint]");
    if (hint) hint.hidden = !button.disabled;
  }

  function updateAll() {
    document.querySelectorAll("form[data-review-form]").forEach(update);
  }

  function onChange(event) {
    const form = event.target && event.target.closest ? event.target.closest("form[data-review-form]") : null;
    if (form) update(form);
  }

  document.addEventListener("change", onChange);
  document.addEventListener("input", onChange);
  document.addEventListener("htmx:load", updateAll);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", updateAll);
  } else {
    updateAll();
  }
})();
