// Publishing from a template: the texts as they will go out, filled while the blanks are typed, with X's count,
// a counter under each free text, and the primary button saying when it goes out. The server renders the same
// (editorial/templating.py render) and stays the authority: this is only a preview.
(function () {
  "use strict";

  const dataNode = document.getElementById("fastlane-data");
  const form = document.getElementById("template-publish-form");
  if (!dataNode || !form) return;
  const data = JSON.parse(dataNode.textContent);
  const kinds = {};
  data.placeholders.forEach((p) => { kinds[p.name] = p.kind; });
  const RE = /\{([a-z][a-z0-9_]{0,39})\}/g;
  const HASHTAG = "_hashtag";

  function input(name) {
    return form.querySelector("[data-placeholder='" + name + "']");
  }

  function shown(kind, value, language) {
    if (kind === "time") {
      const m = /^\s*(\d{1,2})\s*(?:[:hHuU.]\s*(\d{2})?)?\s*$/.exec(value);
      if (!m) return value;
      const hour = parseInt(m[1], 10);
      const minute = m[2] || "00";
      if (language === "nl") return minute !== "00" ? hour + "." + minute + " uur" : hour + " uur";
      return minute !== "00" ? hour + "h" + minute : hour + "h";
    }
    if (kind === "date") {
      const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
      if (!parts) return value;
      const day = new Date(Date.UTC(+parts[1], +parts[2] - 1, +parts[3]));
      return new Intl.DateTimeFormat(language === "nl" ? "nl-BE" : "fr-BE", {
        weekday: "long", day: "numeric", month: "long", timeZone: "UTC",
      }).format(day);
    }
    return value;
  }

  function hashtag(value) {
    const tag = data.localities[value];
    return tag || "#" + value.replace(/[^\p{L}\p{N}_]/gu, "");
  }

  function render(text, language) {
    const lang = (language || "fr").split("+")[0];
    return text.replace(RE, (whole, name) => {
      if (name.endsWith(HASHTAG) && kinds[name.slice(0, -HASHTAG.length)]) {
        const base = input(name.slice(0, -HASHTAG.length));
        return base && base.value.trim() ? hashtag(base.value.trim()) : "";
      }
      const field = input(name);
      if (!kinds[name] || !field || !field.value.trim()) return whole;
      return shown(kinds[name], field.value.trim(), lang);
    });
  }

  function update() {
    Object.keys(data.texts).forEach((id) => {
      const target = form.querySelector("[data-preview-for='" + id + "']");
      if (!target) return;
      const text = render(data.texts[id].text, data.texts[id].language);
      target.textContent = text;
      const counter = form.querySelector("[data-x-count-for='" + id + "']");
      if (counter && window.DeskX) {
        const length = window.DeskX.weightedLength(text);
        counter.textContent = length + " / 280";
        counter.classList.toggle("text-danger", length > 280);
      }
      const box = target.closest(".fastlane-preview");
      const tick = form.querySelector("input[name='channels'][value='" + id + "']");
      if (box && tick) box.classList.toggle("opacity-50", !tick.checked);
    });
    form.querySelectorAll("[data-count-for]").forEach((node) => {
      const field = document.getElementById(node.getAttribute("data-count-for"));
      if (field) node.textContent = "(" + field.value.length + " / " + field.getAttribute("data-max") + ")";
    });
    const later = form.querySelector("input[name='when'][value='later']");
    const block = document.getElementById("planned-at-block");
    const button = document.getElementById("publish-button");
    if (later && block) block.hidden = !later.checked;
    if (later && button) button.textContent = later.checked ? button.dataset.later : button.dataset.now;
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
