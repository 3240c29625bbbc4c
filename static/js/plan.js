// Moving a post in the plan (week or month) with the mouse or the keyboard. Without this script every post keeps its
// "Move" link to the Move page; with it:
// - a post can be dragged to another day's cell (native drag and drop): it keeps its time of day;
// - on a post's "Move" link, Space picks it up; the arrows choose another day (left, right) and, in the week, another
//   time (15 minutes up or down) or, in the month, another week; Enter drops it there, Escape leaves it. Each step
//   is announced (aria-live).
// A drop fills the Move page's form (#plan-move-form) and sends it: the server checks the time (a time the clocks
// skip is refused with the form's message), the version of the post the page showed (a post changed meanwhile is
// not moved) and, for an approved post or one in review, the yes given in the dialog asked here first.
(function () {
  "use strict";

  const STEP_MINUTES = 15;
  const DAY_MS = 86400000;

  function start() {
    const grid = document.getElementById("plan-grid");
    const live = document.getElementById("plan-live");
    const form = document.getElementById("plan-move-form");
    const dialog = document.getElementById("plan-move-confirm");
    if (!grid || !live || !form) return;
    const view = grid.getAttribute("data-view");
    const lang = document.documentElement.lang || "fr";
    const keys = document.getElementById("plan-keys");
    if (keys) keys.hidden = false;

    // --- Dates as "YYYY-MM-DD" and times as minutes of the day: wall-clock values, no timezone involved -----------

    function addDays(date, days) {
      const [y, m, d] = date.split("-").map(Number);
      const moved = new Date(Date.UTC(y, m - 1, d) + days * DAY_MS);
      return moved.toISOString().slice(0, 10);
    }

    function pad(n) {
      return String(n).padStart(2, "0");
    }

    function timeText(minutes) {
      return pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60);
    }

    function dayText(date) {
      const [y, m, d] = date.split("-").map(Number);
      return new Intl.DateTimeFormat(lang, {
        weekday: "long",
        day: "numeric",
        month: "long",
        timeZone: "UTC",
      }).format(new Date(Date.UTC(y, m - 1, d)));
    }

    function message(name, values) {
      const text = live.getAttribute("data-msg-" + name) || "";
      return text.replace(/%\((\w+)\)s/g, (_all, key) => (key in values ? values[key] : ""));
    }

    function when(target) {
      return message("at", { day: dayText(target.date), time: timeText(target.minutes) });
    }

    function say(text) {
      // Emptied first so that the same words twice are read twice.
      live.textContent = "";
      window.setTimeout(() => {
        live.textContent = text;
      }, 30);
    }

    // --- What is being moved, and where to -------------------------------------------------------------------

    function planned(entry) {
      const value = entry.getAttribute("data-planned") || "";
      const [date, time] = value.split("T");
      const [h, m] = (time || "09:00").split(":").map(Number);
      return { date: date, minutes: h * 60 + m };
    }

    function cellFor(entry, date) {
      // The week: the cell of the post's own row; the month: the day's cell.
      const row = view === "week" ? entry.closest("tr") : grid;
      return row.querySelector("td.plan-cell[data-date='" + date + "']");
    }

    function send(entry, target) {
      const from = planned(entry);
      if (target.date === from.date && target.minutes === from.minutes) {
        say(message("same", {}));
        return;
      }
      const status = entry.getAttribute("data-status");
      const title = entry.getAttribute("data-title");
      const submit = (confirmed) => {
        form.method = "post";
        form.action = entry.getAttribute("data-move-url");
        form.elements.planned_at.value = target.date + "T" + timeText(target.minutes);
        form.elements.version.value = entry.getAttribute("data-version");
        form.elements.void_confirmed.value = confirmed ? "1" : "";
        say(message("moving", { title: title, when: when(target) }));
        form.submit();
      };
      if ((status === "approved" || status === "in_review") && dialog) {
        ask(entry, target, title, status, submit);
      } else {
        submit(false);
      }
    }

    function ask(entry, target, title, status, submit) {
      dialog.querySelector("[data-confirm-what]").textContent = "“" + title + "” → " + when(target);
      dialog.querySelectorAll("[data-status-approved], [data-status-in_review]").forEach((note) => {
        note.hidden = !note.hasAttribute("data-status-" + status);
      });
      const answer = (event) => {
        const button = event.target.closest("[data-confirm]");
        if (!button) return;
        dialog.removeEventListener("click", answer);
        dialog.close();
        if (button.getAttribute("data-confirm") === "yes") {
          submit(true);
        } else {
          say(message("cancelled", { title: title }));
          focusMove(entry);
        }
      };
      dialog.addEventListener("click", answer);
      dialog.addEventListener(
        "cancel",
        () => {
          dialog.removeEventListener("click", answer);
          say(message("cancelled", { title: title }));
          focusMove(entry);
        },
        { once: true },
      );
      dialog.showModal();
      dialog.querySelector("[data-confirm='no']").focus();
    }

    function focusMove(entry) {
      const link = entry.querySelector(".plan-move");
      if (link) link.focus();
    }

    // --- The mouse: native drag and drop ---------------------------------------------------------------------

    let dragged = null;

    grid.addEventListener("dragstart", (event) => {
      const entry = event.target.closest && event.target.closest(".plan-entry[data-move-url]");
      if (!entry) return;
      dragged = entry;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", entry.getAttribute("data-post"));
      entry.classList.add("opacity-50");
    });

    grid.addEventListener("dragend", () => {
      if (dragged) dragged.classList.remove("opacity-50");
      dragged = null;
      grid.querySelectorAll(".plan-drop-target").forEach((cell) => cell.classList.remove("plan-drop-target", "table-info"));
    });

    function dropCell(event) {
      if (!dragged) return null;
      const cell = event.target.closest && event.target.closest("td.plan-cell[data-date]");
      // In the week a post stays in its channel's row: the row says where it goes, not when.
      if (!cell || (view === "week" && cell.closest("tr") !== dragged.closest("tr"))) return null;
      return cell;
    }

    grid.addEventListener("dragover", (event) => {
      const cell = dropCell(event);
      if (!cell) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      grid.querySelectorAll(".plan-drop-target").forEach((other) => {
        if (other !== cell) other.classList.remove("plan-drop-target", "table-info");
      });
      cell.classList.add("plan-drop-target", "table-info");
    });

    grid.addEventListener("drop", (event) => {
      const cell = dropCell(event);
      if (!cell) return;
      event.preventDefault();
      const entry = dragged;
      const from = planned(entry);
      send(entry, { date: cell.getAttribute("data-date"), minutes: from.minutes });
    });

    // --- The keyboard: pick up, arrows, drop ------------------------------------------------------------------

    let picked = null; // {entry, target, marker}

    function mark(target) {
      if (picked.cell) picked.cell.classList.remove("plan-drop-target", "table-info");
      picked.marker.remove();
      const cell = cellFor(picked.entry, target.date);
      picked.cell = cell;
      picked.marker.textContent = "→ " + timeText(target.minutes);
      if (cell) {
        cell.classList.add("plan-drop-target", "table-info");
        cell.appendChild(picked.marker);
      }
    }

    function pick(entry) {
      const marker = document.createElement("div");
      marker.className = "badge text-bg-primary plan-ghost";
      marker.setAttribute("aria-hidden", "true");
      picked = { entry: entry, target: planned(entry), marker: marker, cell: null };
      entry.classList.add("border", "border-primary", "border-2", "rounded");
      mark(picked.target);
      say(message("picked", { title: entry.getAttribute("data-title"), when: when(picked.target) }));
    }

    function drop(keep) {
      const { entry, target, cell, marker } = picked;
      picked = null;
      marker.remove();
      if (cell) cell.classList.remove("plan-drop-target", "table-info");
      entry.classList.remove("border", "border-primary", "border-2", "rounded");
      if (keep) {
        send(entry, target);
      } else {
        say(message("cancelled", { title: entry.getAttribute("data-title") }));
      }
    }

    function step(key) {
      const target = { date: picked.target.date, minutes: picked.target.minutes };
      if (key === "ArrowLeft") target.date = addDays(target.date, -1);
      if (key === "ArrowRight") target.date = addDays(target.date, 1);
      if (view === "month") {
        if (key === "ArrowUp") target.date = addDays(target.date, -7);
        if (key === "ArrowDown") target.date = addDays(target.date, 7);
      } else {
        if (key === "ArrowUp") target.minutes = Math.max(0, target.minutes - STEP_MINUTES);
        if (key === "ArrowDown") target.minutes = Math.min(24 * 60 - STEP_MINUTES, target.minutes + STEP_MINUTES);
      }
      // Only to a day the page shows: another week is the Move page's (or the next week's page).
      if (!cellFor(picked.entry, target.date)) return;
      picked.target = target;
      mark(target);
      say(message("target", { when: when(target) }));
    }

    grid.addEventListener("keydown", (event) => {
      const link = event.target.closest && event.target.closest(".plan-move");
      if (!link) return;
      const entry = link.closest(".plan-entry[data-move-url]");
      if (!entry) return;
      if (!picked) {
        if (event.key === " " || event.key === "Spacebar") {
          event.preventDefault();
          pick(entry);
        }
        return;
      }
      if (picked.entry !== entry) return;
      if (event.key.startsWith("Arrow")) {
        event.preventDefault();
        step(event.key);
      } else if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        drop(true);
      } else if (event.key === "Escape") {
        event.preventDefault();
        drop(false);
      } else if (event.key === "Tab") {
        drop(false);
      }
    });

    grid.addEventListener("focusout", (event) => {
      if (picked && event.target.closest && event.target.closest(".plan-entry") === picked.entry) {
        // Leaving the post (a click elsewhere) puts it back where it was.
        window.setTimeout(() => {
          if (picked && !picked.entry.contains(document.activeElement)) drop(false);
        }, 0);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
