// The review page. The Approve button stays disabled until every line of the checklist is ticked and, when the
// confidentiality scan found something, a reason to publish anyway is written; the server checks it anyway.
// After a refusal, the error summary at the top of the decision panel takes the focus (on a phone it is below
// the texts: this brings it into view), and each of its links takes the reader to the line it names.
(function () {
  "use strict";

  function approveButton(form) {
    // The button sits in the panel's action bar, outside the form it submits (form="...").
    return form.querySelector("[data-review-approve]") ||
      (form.id ? document.querySelector('[data-review-approve][form="' + form.id + '"]') : null);
  }

  function update(form) {
    const button = approveButton(form);
    if (!button) return;
    const checks = Array.from(form.querySelectorAll("input[data-review-check]"));
    const override = form.querySelector("[data-review-override]");
    const ticked = checks.every(function (box) { return box.checked; });
    const reasoned = !override || override.value.trim() !== "";
    button.disabled = !(ticked && reasoned);
    const hint = button.parentElement.querySelector("[data-review-hint]");
    if (hint) hint.hidden = !button.disabled;
  }

  function updateAll() {
    document.querySelectorAll("form[data-review-form]").forEach(update);
  }

  function onChange(event) {
    const form = event.target && event.target.closest ? event.target.closest("form[data-review-form]") : null;
    if (form) update(form);
  }

  function focusErrorSummary() {
    const summary = document.querySelector("[data-review-errors]");
    if (!summary) return;
    // Beside the texts on a wide screen it is in sight already; on a phone it is below them: brought to the top.
    summary.scrollIntoView({ block: wide.matches ? "nearest" : "start" });
    summary.focus({ preventScroll: true });
  }

  function onClick(event) {
    if (!event.target || !event.target.closest) return;
    const sendBack = event.target.closest(".review-send-back > summary");
    if (sendBack) {
      onSendBack(sendBack);
      return;
    }
    const link = event.target.closest("a[data-review-error-link]");
    if (!link) return;
    const field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    const folded = field.closest("details");
    if (folded) folded.open = true;
    // The line's legend or label is brought into view with the field, so the reader sees what it asks.
    const context = field.closest("fieldset") || field.closest("details") || field;
    context.scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  }

  // On a wide screen the decision panel is beside the texts and sticky; it is never taller than what is left of
  // the window below its top, so that its action bar (Approve, Send back) is always in sight, even before the
  // page is scrolled. CSS gives the bound once stuck (100vh - 2rem); this covers the way there.
  const wide = window.matchMedia("(min-width: 992px)");
  let fitting = false;

  function fitPanel() {
    fitting = false;
    const panel = document.querySelector(".review-decision");
    if (!panel) return;
    if (!wide.matches) {
      panel.style.maxHeight = "";
      return;
    }
    const margin = 16;
    const top = Math.max(panel.getBoundingClientRect().top, margin);
    panel.style.maxHeight = Math.max(window.innerHeight - top - margin, 240) + "px";
  }

  function scheduleFit() {
    if (fitting) return;
    fitting = true;
    window.requestAnimationFrame(fitPanel);
  }

  function onSendBack(summary) {
    // Opening "Send back" puts the cursor in its comment box, in sight (after the browser opened it).
    window.setTimeout(function () {
      const details = summary.parentElement;
      const comment = details.querySelector("textarea");
      if (!details.open || !comment) return;
      comment.scrollIntoView({ block: "nearest" });
      comment.focus({ preventScroll: true });
    }, 0);
  }

  function start() {
    updateAll();
    fitPanel();
    focusErrorSummary();
  }

  window.addEventListener("scroll", scheduleFit, { passive: true });
  window.addEventListener("resize", scheduleFit);

  document.addEventListener("change", onChange);
  document.addEventListener("input", onChange);
  document.addEventListener("click", onClick);
  document.addEventListener("htmx:load", updateAll);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
