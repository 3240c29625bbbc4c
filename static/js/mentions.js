/*
 * @-mentions of the zone's partner accounts while the officer types a post text (issue 12).
 *
 * In a textarea[data-post-text], "@" followed by letters (not glued to a word: an e-mail address is not a mention)
 * opens a list of the partner accounts whose name, X handle or Facebook page name starts with them. Up and down
 * arrows choose, Enter (or Tab) inserts, Escape closes; a click inserts too. An X text (data-channel-kind="x") or a
 * main text (no kind) gets "@handle", a Facebook text (data-channel-kind="facebook") the page's name, which is how
 * each network links an account.
 *
 * Accessibility: the textarea keeps its role (a textarea may not be given the combobox role); it gets
 * aria-autocomplete="list", aria-controls and aria-activedescendant pointing at the listbox and its chosen option,
 * and the number of matches is announced in the page's polite live region (#typing-aids-announce).
 *
 * The directory comes from the zone's partners address (editorial/views/checks.py), asked once, the first time a
 * post text takes the focus. window.DeskMentions.forFacebook(text) replaces the @handles of known partners by their
 * Facebook page names, for a script that makes a Facebook text from a main text.
 */
(function () {
  "use strict";

  const config = document.getElementById("typing-aids");
  if (!config || !window.fetch) return;
  const data = config.dataset;
  const announcer = document.getElementById("typing-aids-announce");
  const MAX_OPTIONS = 8;
  // "@" and what follows it up to the caret, not after a letter, digit, "_" or another "@".
  const TRIGGER = /(?:^|[^\p{L}\p{N}_@])@([\p{L}\p{N}_]{1,30})$/u;

  let partners = null; // null: not asked yet; a promise while asked; then a list
  let loadFailed = false;
  let counter = 0;

  function message(name, count) {
    return (data[name] || "").replace("{count}", String(count));
  }

  function announce(sentence) {
    if (announcer && announcer.textContent !== sentence) announcer.textContent = sentence;
  }

  function fold(value) {
    return String(value || "")
      .normalize("NFD")
      .replace(/\p{M}/gu, "")
      .toLowerCase();
  }

  function load() {
    if (partners !== null) return Promise.resolve(partners);
    partners = fetch(data.partnersUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        const type = response.headers.get("Content-Type") || "";
        if (!response.ok || response.redirected || type.indexOf("application/json") === -1) throw new Error("refused");
        return response.json();
      })
      .then(function (answer) {
        partners = (answer.partners || []).map(function (partner) {
          const words = (fold(partner.name) + " " + fold(partner.facebook_name)).split(/[^\p{L}\p{N}_]+/u);
          return Object.assign({}, partner, { handleKey: fold(partner.x_handle), words: words.filter(Boolean) });
        });
        return partners;
      })
      .catch(function () {
        partners = null; // asked again at the next "@"
        loadFailed = true;
        return [];
      });
    return partners;
  }

  function matches(list, query, kind) {
    const key = fold(query);
    const scored = [];
    for (const partner of list) {
      const target = kind === "facebook" ? partner.facebook_name : partner.x_handle;
      if (!target) continue;
      let score = -1;
      if (partner.handleKey && partner.handleKey.startsWith(key)) score = 0;
      else if (partner.words.some(function (word) { return word.startsWith(key); })) score = 1;
      else if (partner.handleKey.includes(key) || fold(partner.name).includes(key)) score = 2;
      if (score >= 0) scored.push({ partner: partner, score: score });
    }
    scored.sort(function (a, b) {
      return a.score - b.score || a.partner.name.localeCompare(b.partner.name);
    });
    return scored.slice(0, MAX_OPTIONS).map(function (entry) {
      return entry.partner;
    });
  }

  function Mentions(textarea) {
    this.textarea = textarea;
    this.kind = textarea.dataset.channelKind === "facebook" ? "facebook" : "x";
    this.options = [];
    this.active = -1;
    this.trigger = null; // {start, query}: the "@..." being completed
    this.dismissed = null; // the start of a trigger closed with Escape
    counter += 1;
    this.id = "mention-list-" + counter;
    this.list = document.createElement("ul");
    this.list.id = this.id;
    this.list.className = "mention-list";
    this.list.setAttribute("role", "listbox");
    this.list.setAttribute("aria-label", message("msgList"));
    this.list.hidden = true;
    textarea.parentNode.classList.add("typing-host");
    textarea.parentNode.appendChild(this.list);
    textarea.setAttribute("aria-autocomplete", "list");
    const self = this;
    textarea.addEventListener("focus", load, { once: true });
    textarea.addEventListener("input", function () {
      self.update();
    });
    textarea.addEventListener("click", function () {
      self.update();
    });
    textarea.addEventListener("keyup", function (event) {
      if (event.key === "ArrowLeft" || event.key === "ArrowRight" || event.key === "Home" || event.key === "End") {
        self.update();
      }
    });
    textarea.addEventListener("keydown", function (event) {
      self.key(event);
    });
    textarea.addEventListener("blur", function () {
      self.close();
    });
  }

  Mentions.prototype.update = function () {
    const textarea = this.textarea;
    // Only where the officer is typing: a text that follows the main text changes too, without the focus.
    if (document.activeElement !== textarea || textarea.selectionStart !== textarea.selectionEnd) return this.close();
    const caret = textarea.selectionStart;
    const found = TRIGGER.exec(textarea.value.slice(Math.max(0, caret - 32), caret));
    if (!found) {
      this.dismissed = null;
      return this.close();
    }
    const start = caret - found[1].length - 1;
    if (this.dismissed === start) return;
    const trigger = { start: start, end: caret, query: found[1] };
    this.trigger = trigger;
    const self = this;
    load().then(function (list) {
      if (self.trigger !== trigger) return; // typed on meanwhile
      if (loadFailed && !list.length) {
        announce(message("msgPartnersFailed"));
        return self.close();
      }
      self.open(matches(list, trigger.query, self.kind));
    });
  };

  Mentions.prototype.open = function (options) {
    const self = this;
    this.options = options;
    if (!options.length) {
      if (!this.list.hidden) announce(message("msgOptionsNone"));
      return this.close();
    }
    this.active = 0;
    this.list.replaceChildren();
    options.forEach(function (partner, index) {
      const option = document.createElement("li");
      option.id = self.id + "-" + index;
      option.setAttribute("role", "option");
      option.className = "mention-option";
      const name = document.createElement("span");
      name.className = "mention-name";
      name.textContent = partner.name;
      const detail = document.createElement("span");
      detail.className = "mention-detail";
      detail.textContent = self.kind === "facebook" ? partner.facebook_name : "@" + partner.x_handle;
      option.append(name, " ", detail);
      // Chosen with the mouse without taking the focus from the text.
      option.addEventListener("mousedown", function (event) {
        event.preventDefault();
        self.insert(index);
      });
      self.list.appendChild(option);
    });
    this.list.hidden = false;
    this.textarea.setAttribute("aria-controls", this.id);
    this.place();
    this.highlight();
    announce(options.length === 1 ? message("msgOptionsOne") : message("msgOptionsMany", options.length));
  };

  Mentions.prototype.place = function () {
    const textarea = this.textarea;
    let top = textarea.offsetTop + textarea.offsetHeight;
    let left = textarea.offsetLeft;
    if (window.DeskHighlights && this.trigger) {
      const caret = window.DeskHighlights.caretPosition(textarea, this.trigger.start);
      const below = Math.min(Math.max(caret.top + caret.height, 0), textarea.offsetHeight);
      top = textarea.offsetTop + below + 4;
      left = textarea.offsetLeft + Math.max(0, caret.left);
    }
    const width = Math.min(this.list.offsetWidth || 320, textarea.offsetWidth);
    left = Math.min(left, textarea.offsetLeft + textarea.offsetWidth - width);
    this.list.style.top = top + "px";
    this.list.style.left = Math.max(textarea.offsetLeft, left) + "px";
    this.list.style.maxWidth = textarea.offsetWidth + "px";
  };

  Mentions.prototype.highlight = function () {
    const self = this;
    Array.prototype.forEach.call(this.list.children, function (option, index) {
      const chosen = index === self.active;
      option.setAttribute("aria-selected", chosen ? "true" : "false");
      if (chosen) {
        self.textarea.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      }
    });
  };

  Mentions.prototype.close = function () {
    this.trigger = null;
    this.options = [];
    this.active = -1;
    this.list.hidden = true;
    this.list.replaceChildren();
    this.textarea.removeAttribute("aria-activedescendant");
    this.textarea.removeAttribute("aria-controls");
  };

  Mentions.prototype.key = function (event) {
    if (this.list.hidden || !this.options.length) return;
    const count = this.options.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      this.active = (this.active + (event.key === "ArrowDown" ? 1 : count - 1)) % count;
      this.highlight();
    } else if (event.key === "Enter" || event.key === "Tab") {
      if (event.shiftKey || event.altKey || event.ctrlKey || event.metaKey) return;
      event.preventDefault();
      this.insert(this.active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      this.dismissed = this.trigger ? this.trigger.start : null;
      this.close();
    }
  };

  Mentions.prototype.insert = function (index) {
    const partner = this.options[index];
    const trigger = this.trigger;
    if (!partner || !trigger) return;
    const textarea = this.textarea;
    let mention = this.kind === "facebook" ? partner.facebook_name : "@" + partner.x_handle;
    const next = textarea.value.charAt(trigger.end);
    if (!next || !/[\s.,;:!?)\]]/.test(next)) mention += " ";
    this.close();
    textarea.focus();
    textarea.setRangeText(mention, trigger.start, trigger.end, "end");
    // Counters, previews, texts that follow this one and the live check hear it as typing.
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  };

  function attach(textarea) {
    if (textarea.dataset.mentions || textarea.disabled) return;
    textarea.dataset.mentions = "on";
    new Mentions(textarea);
  }

  function attachAll(root) {
    if (root.matches && root.matches("textarea[data-post-text]")) attach(root);
    if (root.querySelectorAll) root.querySelectorAll("textarea[data-post-text]").forEach(attach);
  }

  attachAll(document);
  new MutationObserver(function (records) {
    for (const record of records) {
      if (record.target.closest && record.target.closest(".typing-backdrop, .mention-list")) continue;
      record.addedNodes.forEach(attachAll);
    }
  }).observe(document.body, { childList: true, subtree: true });

  window.DeskMentions = {
    // "@FedPol_Belgium" -> "Police fédérale" for each partner with both, once the directory is loaded.
    forFacebook: function (text) {
      if (!Array.isArray(partners)) return text;
      let result = String(text);
      for (const partner of partners) {
        if (!partner.x_handle || !partner.facebook_name) continue;
        const handle = partner.x_handle.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        const pattern = new RegExp("(^|[^\\p{L}\\p{N}_@])@" + handle + "(?![\\p{L}\\p{N}_])", "giu");
        result = result.replace(pattern, function (whole, before) {
          return before + partner.facebook_name;
        });
      }
      return result;
    },
    load: load,
  };
})();
