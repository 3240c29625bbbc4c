// The time budget (issue 14): how long this page of the desk is in use, sent to the desk in small counts.
// A second counts when the tab is visible and the page was used (pointer, key, wheel, scroll, touch, focus) in the
// last minute. Only the moment of the last use is kept, never what it was: no key, no text, no position. Every
// 15 seconds, and when the tab is hidden or closed, the page sends its URL name and the seconds counted; the desk
// decides the kind of work from the name, and never keeps more than 60 seconds for one minute.
// base.html sets data-active-time (the address to send to) and data-active-page (the URL name) on <body>.
(function () {
  "use strict";

  const body = document.body;
  const url = body && body.dataset.activeTime;
  const page = body && body.dataset.activePage;
  if (!url || !page) return;
  const every = Math.min(60, Math.max(1, parseInt(body.dataset.activeEvery || "15", 10) || 15));
  const IDLE_AFTER_MS = 60 * 1000;

  // Opening the page was a use of the desk (a click or a key on the page before).
  let lastUse = document.visibilityState === "visible" ? Date.now() : 0;
  let active = 0;
  let ticks = 0;

  function used() {
    lastUse = Date.now();
  }

  function token() {
    const field = document.querySelector("input[name='csrfmiddlewaretoken']");
    return field ? field.value : "";
  }

  function send() {
    ticks = 0;
    if (active <= 0) return;
    const seconds = Math.min(active, every);
    active = 0;
    const data = new FormData();
    data.append("csrfmiddlewaretoken", token());
    data.append("page", page);
    data.append("seconds", String(seconds));
    // A beacon still leaves when the tab is closing; fetch with keepalive where beacons are refused.
    if (navigator.sendBeacon && navigator.sendBeacon(url, data)) return;
    fetch(url, { method: "POST", body: data, credentials: "same-origin", keepalive: true }).catch(() => {});
  }

  function tick() {
    if (document.visibilityState === "visible" && Date.now() - lastUse < IDLE_AFTER_MS) active += 1;
    ticks += 1;
    if (ticks >= every) send();
  }

  // Listeners take no argument: which key or where the pointer was is never even read.
  for (const type of ["pointerdown", "pointermove", "keydown", "wheel", "touchstart", "scroll", "focus"]) {
    window.addEventListener(type, () => used(), { capture: true, passive: true });
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") send();
  });
  window.addEventListener("pagehide", () => send());
  window.setInterval(tick, 1000);
})();
