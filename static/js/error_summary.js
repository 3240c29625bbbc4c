// GOV.UK's error summary: when a form comes back refused, the summary at the top takes the focus (a screen reader
// reads it, the page scrolls to it), and each of its links puts the cursor in the field it names.
(function () {
  "use strict";

  function start() {
    const summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", (event) => {
      const link = event.target.closest && event.target.closest("a[href^='#']");
      if (!link) return;
      const field = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
      if (!field) return;
      event.preventDefault();
      // A field in a part the page keeps hidden (a channel not shown, a closed <details>) is shown first.
      const hidden = field.closest("[hidden]");
      if (hidden && hidden.matches(".js-channel-block")) hidden.hidden = false;
      const details = field.closest("details");
      if (details) details.open = true;
      const label = document.querySelector("label[for='" + CSS.escape(field.id) + "']");
      (label || field).scrollIntoView({ block: "center" });
      field.focus({ preventScroll: true });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
