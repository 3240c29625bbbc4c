/*
 * The confidentiality check while the officer types (issue 12), and the highlights drawn behind a post text.
 *
 * Every textarea[data-post-text] of the page (now or added later) is checked 400 ms after the last keystroke by
 * the server (editorial/views/checks.py: the review's own scan, the zone's public numbers allowed, the item's
 * confidentiality notes as checks). Under the textarea: one sentence with the number of findings (a polite live
 * region, changed only when the number changes) and the findings, each with a button that selects it in the text.
 * In the text: each finding highlighted by a backdrop that mirrors the textarea (a textarea cannot style part of
 * its text), hidden from assistive technology since the list says the same in words.
 *
 * Nothing here blocks typing or saving: a check that cannot run (no network, the server refused, too many checks)
 * says so in words and the next keystroke tries again; the review scans the texts whatever happened here.
 *
 * The backdrop is shared: window.DeskHighlights.set(textarea, layer, ranges) draws ranges [{start, end}] (UTF-16
 * offsets, as textarea.value counts) of a named layer with the class "typing-mark typing-mark-<layer>" (for
 * example an X text's overflow); set(textarea, layer, []) clears it. Ranges are shifted as the text is edited until
 * their owner sets them again.
 *
 * Configuration: the element #typing-aids of templates/editorial/_typing_aids.html (URLs, CSRF token, the post or
 * item, the messages).
 */
(function () {
  "use strict";

  const DELAY_MS = 400;
  const TIMEOUT_MS = 8000;
  const CACHE_SIZE = 50;

  // --- Highlights behind a textarea ------------------------------------------------------------------------------

  const COPIED_STYLES = [
    "boxSizing", "fontFamily", "fontSize", "fontWeight", "fontStyle", "fontVariant", "fontStretch", "lineHeight",
    "letterSpacing", "wordSpacing", "textTransform", "textIndent", "textAlign", "tabSize", "direction",
    "paddingTop", "paddingRight", "paddingBottom", "paddingLeft",
    "borderTopWidth", "borderRightWidth", "borderBottomWidth", "borderLeftWidth", "borderTopStyle",
    "borderRightStyle", "borderBottomStyle", "borderLeftStyle", "borderRadius",
  ];
  const highlighters = new WeakMap();

  function px(value) {
    return parseFloat(value) || 0;
  }

  function Highlighter(textarea) {
    this.textarea = textarea;
    this.layers = new Map();
    this.text = textarea.value;
    const host = textarea.parentNode;
    host.classList.add("typing-host");
    textarea.classList.add("typing-input");
    this.backdrop = document.createElement("div");
    this.backdrop.className = "typing-backdrop";
    this.backdrop.setAttribute("aria-hidden", "true");
    this.mirror = document.createElement("div");
    this.mirror.className = "typing-mirror";
    this.backdrop.appendChild(this.mirror);
    host.insertBefore(this.backdrop, textarea);
    const self = this;
    textarea.addEventListener("input", function () {
      self.edited();
    });
    textarea.addEventListener("scroll", function () {
      self.syncScroll();
    });
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        self.place();
      }).observe(textarea);
    }
    window.addEventListener("resize", function () {
      self.place();
    });
    this.place();
  }

  Highlighter.prototype.place = function () {
    const textarea = this.textarea;
    const style = window.getComputedStyle(textarea);
    const backdrop = this.backdrop;
    for (const name of COPIED_STYLES) {
      backdrop.style[name] = style[name];
    }
    backdrop.style.top = textarea.offsetTop + "px";
    backdrop.style.left = textarea.offsetLeft + "px";
    backdrop.style.width = textarea.offsetWidth + "px";
    backdrop.style.height = textarea.offsetHeight + "px";
    // A vertical scrollbar narrows the textarea's text: the mirror's lines must break at the same places.
    const scrollbar = textarea.offsetWidth - textarea.clientWidth - px(style.borderLeftWidth) - px(style.borderRightWidth);
    backdrop.style.paddingRight = px(style.paddingRight) + Math.max(0, scrollbar) + "px";
    this.render();
  };

  Highlighter.prototype.syncScroll = function () {
    this.backdrop.scrollTop = this.textarea.scrollTop;
    this.backdrop.scrollLeft = this.textarea.scrollLeft;
  };

  // The text changed: ranges before the change stay, ranges after it move with it, ranges it touched are dropped.
  Highlighter.prototype.edited = function () {
    const before = this.text;
    const after = this.textarea.value;
    if (before === after) return;
    let prefix = 0;
    const shortest = Math.min(before.length, after.length);
    while (prefix < shortest && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
    let suffix = 0;
    while (
      suffix < shortest - prefix &&
      before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
    ) suffix++;
    const changedEnd = before.length - suffix;
    const delta = after.length - before.length;
    for (const [layer, ranges] of this.layers) {
      const kept = [];
      for (const range of ranges) {
        if (range.end <= prefix) kept.push(range);
        else if (range.start >= changedEnd) kept.push(Object.assign({}, range, { start: range.start + delta, end: range.end + delta }));
      }
      this.layers.set(layer, kept);
    }
    this.text = after;
    this.render();
  };

  Highlighter.prototype.set = function (layer, ranges) {
    this.text = this.textarea.value;
    const length = this.text.length;
    this.layers.set(
      layer,
      (ranges || [])
        .map(function (range) {
          return { start: Math.max(0, range.start), end: Math.min(length, range.end) };
        })
        .filter(function (range) {
          return range.start < range.end;
        }),
    );
    this.render();
  };

  Highlighter.prototype.render = function () {
    const text = this.textarea.value;
    const marks = [];
    for (const [layer, ranges] of this.layers) {
      for (const range of ranges) marks.push({ start: range.start, end: range.end, layer: layer });
    }
    marks.sort(function (a, b) {
      return a.start - b.start || b.end - a.end;
    });
    const fragment = document.createDocumentFragment();
    let at = 0;
    for (const mark of marks) {
      if (mark.start < at) continue; // overlapping layers: the first one drawn wins
      fragment.appendChild(document.createTextNode(text.slice(at, mark.start)));
      const element = document.createElement("mark");
      element.className = "typing-mark typing-mark-" + mark.layer;
      element.textContent = text.slice(mark.start, mark.end);
      fragment.appendChild(element);
      at = mark.end;
    }
    // A final line break needs something after it to take its height, as in the textarea.
    fragment.appendChild(document.createTextNode(text.slice(at) + "\u200b"));
    this.mirror.replaceChildren(fragment);
    this.syncScroll();
  };

  // Where a place of the text is drawn, relative to the textarea's border box: for lists shown under the caret.
  Highlighter.prototype.caretPosition = function (index) {
    const text = this.textarea.value;
    const probe = document.createElement("span");
    probe.textContent = "\u200b";
    this.mirror.replaceChildren(document.createTextNode(text.slice(0, index)), probe, document.createTextNode(text.slice(index)));
    const style = window.getComputedStyle(this.textarea);
    const position = {
      top: px(style.borderTopWidth) + probe.offsetTop - this.textarea.scrollTop,
      left: px(style.borderLeftWidth) + probe.offsetLeft - this.textarea.scrollLeft,
      height: probe.offsetHeight,
    };
    this.render();
    return position;
  };

  function highlighter(textarea) {
    let found = highlighters.get(textarea);
    if (!found) {
      found = new Highlighter(textarea);
      highlighters.set(textarea, found);
    }
    return found;
  }

  window.DeskHighlights = {
    set: function (textarea, layer, ranges) {
      highlighter(textarea).set(layer, ranges);
    },
    caretPosition: function (textarea, index) {
      return highlighter(textarea).caretPosition(index);
    },
    place: function (textarea) {
      highlighter(textarea).place();
    },
  };

  // --- The live check --------------------------------------------------------------------------------------------

  const config = document.getElementById("typing-aids");
  if (!config || !window.fetch) return;
  const data = config.dataset;
  const answers = new Map(); // text -> the server's answer, so that texts following one another ask once
  const asking = new Map(); // text -> the question on its way (the main text and the texts that follow it)
  let pausedUntil = 0;
  let counter = 0;

  function message(name, count) {
    return (data[name] || "").replace("{count}", String(count));
  }

  function remember(text, answer) {
    answers.set(text, answer);
    if (answers.size > CACHE_SIZE) answers.delete(answers.keys().next().value);
  }

  function ask(text) {
    if (answers.has(text)) return Promise.resolve(answers.get(text));
    if (asking.has(text)) return asking.get(text);
    if (Date.now() < pausedUntil) return Promise.reject(new Error("paused"));
    const body = new URLSearchParams({ text: text, post: data.post || "", item: data.item || "" });
    const abort = new AbortController();
    const timer = window.setTimeout(function () {
      abort.abort();
    }, TIMEOUT_MS);
    const question = fetch(data.checkUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": data.csrf, Accept: "application/json" },
      body: body,
      signal: abort.signal,
    })
      .then(function (response) {
        const type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("application/json") === -1) throw new Error("not an answer");
        if (response.status === 429) {
          pausedUntil = Date.now() + 1000 * (parseInt(response.headers.get("Retry-After"), 10) || 10);
        }
        return response.json().then(function (answer) {
          if (!response.ok) {
            const error = new Error("refused");
            error.sentence = answer.error;
            throw error;
          }
          remember(text, answer);
          return answer;
        });
      })
      .finally(function () {
        window.clearTimeout(timer);
        asking.delete(text);
      });
    asking.set(text, question);
    return question;
  }

  function Check(textarea) {
    this.textarea = textarea;
    this.highlighter = highlighter(textarea);
    this.sequence = 0;
    this.timer = null;
    this.sentence = "";
    this.findings = [];
    counter += 1;
    const id = "livecheck-" + counter;
    this.box = document.createElement("div");
    this.box.className = "livecheck small";
    this.status = document.createElement("p");
    this.status.id = id;
    this.status.className = "livecheck-status mb-1";
    this.status.setAttribute("role", "status");
    this.list = document.createElement("ul");
    this.list.className = "livecheck-findings list-unstyled mb-2";
    this.box.append(this.status, this.list);
    const place = textarea.id && document.querySelector('[data-livecheck-for="' + CSS.escape(textarea.id) + '"]');
    (place || textarea.parentNode).appendChild(this.box);
    const describedBy = (textarea.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    textarea.setAttribute("aria-describedby", describedBy.concat(id).join(" "));
    const self = this;
    textarea.addEventListener("input", function () {
      self.schedule();
    });
    if (textarea.value.trim()) this.run();
  }

  Check.prototype.schedule = function () {
    const self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () {
      self.run();
    }, DELAY_MS);
  };

  Check.prototype.run = function () {
    const self = this;
    const text = this.textarea.value;
    const sequence = ++this.sequence;
    if (!text.trim()) {
      this.show([], "");
      return;
    }
    ask(text).then(
      function (answer) {
        // An answer about an older text is of no use: a newer question is on its way.
        if (sequence !== self.sequence || self.textarea.value !== text) return;
        const count = answer.findings.length;
        const sentence = count === 0 ? message("msgNone") : count === 1 ? message("msgOne") : message("msgMany", count);
        self.show(answer.findings, sentence);
      },
      function (error) {
        if (sequence !== self.sequence) return;
        self.failed((error && error.sentence) || message("msgFailed"));
        if (error && error.message === "paused") self.schedule(); // try again after the pause
      },
    );
  };

  Check.prototype.say = function (sentence, failed) {
    this.status.classList.toggle("livecheck-failed", Boolean(failed));
    this.status.classList.toggle("livecheck-found", !failed && this.findings.length > 0);
    // Changed only when it says something new: a live region repeats what is written into it.
    if (this.sentence !== sentence) {
      this.status.textContent = sentence;
      this.sentence = sentence;
    }
  };

  Check.prototype.show = function (findings, sentence) {
    const self = this;
    this.findings = findings;
    this.say(sentence, false);
    this.highlighter.set("confidentiality", findings);
    this.list.replaceChildren();
    findings.forEach(function (finding, index) {
      const item = document.createElement("li");
      item.className = "livecheck-finding";
      const label = document.createElement("strong");
      label.className = "livecheck-label";
      label.textContent = finding.label;
      // The officer's own text, on their own screen: what was found is quoted as typed (the review and the audit
      // log keep the masked excerpt).
      const excerpt = document.createElement("q");
      excerpt.className = "livecheck-found-text";
      excerpt.textContent = self.textarea.value.slice(finding.start, finding.end) || finding.excerpt;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link btn-sm livecheck-show";
      button.textContent = message("msgShow");
      button.addEventListener("click", function () {
        self.select(index);
      });
      item.append(label, " ", excerpt, " ", button);
      self.list.appendChild(item);
    });
  };

  Check.prototype.failed = function (sentence) {
    // What was found before stays highlighted and listed (it may still be there); the sentence says why it is old.
    this.say(sentence, true);
  };

  Check.prototype.select = function (index) {
    const ranges = this.highlighter.layers.get("confidentiality") || [];
    const range = ranges[index] || this.findings[index];
    if (!range) return;
    const textarea = this.textarea;
    textarea.focus();
    textarea.setSelectionRange(range.start, range.end);
    const where = this.highlighter.caretPosition(range.start);
    if (where.top < 0 || where.top + where.height > textarea.clientHeight) {
      textarea.scrollTop += where.top - textarea.clientHeight / 3;
    }
  };

  function attach(textarea) {
    if (textarea.dataset.livecheck || textarea.disabled) return;
    textarea.dataset.livecheck = "on";
    new Check(textarea);
  }

  function attachAll(root) {
    if (root.matches && root.matches("textarea[data-post-text]")) attach(root);
    if (root.querySelectorAll) root.querySelectorAll("textarea[data-post-text]").forEach(attach);
  }

  attachAll(document);
  new MutationObserver(function (records) {
    for (const record of records) {
      // The highlights redraw their own mirror at every keystroke: nothing to attach there.
      if (record.target.closest && record.target.closest(".typing-backdrop")) continue;
      record.addedNodes.forEach(attachAll);
    }
  }).observe(document.body, { childList: true, subtree: true });
})();
