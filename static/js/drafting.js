// The drafting page: compose once. The main text (one per language of the zone) is mirrored, while typing, into
// every channel text that still follows it; typing in a channel text adapts it (it stops following), and
// "Take the main text again" puts it back. The server recomputes the following texts on save (editorial/compose.py,
// services.post_update): this only shows what it will store. Also: hashtag and link buttons that insert at the
// cursor of the text last written in (or, "+ all", into every text), channels shown as they are ticked (and ticked
// from the category's defaults on a new post until the officer chooses), a live preview of each text with the part
// that does not fit on X highlighted, and, on X over 280, a version that fits computed by the server
// (editorial.xtext.fit_proposal) that one click takes.
//
// User text only ever reaches the page through textContent and text nodes, never through innerHTML, so nothing
// typed in a post can become markup. The server's preview (templates/editorial/_preview.html) is the reference.
(function () {
  "use strict";

  const TEXT_SELECTOR = "textarea.js-post-text";
  const MAIN_SELECTOR = "textarea.js-main-text";
  const CHANNEL_SELECTOR = "textarea.js-channel-text";
  // Between the French and the Dutch text of one message (editorial/compose.py, BILINGUAL_SEPARATOR).
  const BILINGUAL_SEPARATOR = "\n\n";
  const X_LIMIT = 280;
  const PROPOSAL_DELAY_MS = 400;
  // The same shapes as the social_text filter (editorial/templatetags/desk.py): links, then #tags and @mentions.
  const TOKEN_RE = /(\b(?:https?:\/\/|www\.)[^\s<]+)|((?:^|[^\p{L}\p{N}_&])([#@][\p{L}\p{N}_]+))/giu;

  // Python's str.strip() (the server strips main texts so): JavaScript's trim() drops U+FEFF and keeps U+0085.
  const PY_SPACE = "[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
  const STRIP_RE = new RegExp("^" + PY_SPACE + "+|" + PY_SPACE + "+$", "g");

  function strip(text) {
    return text.replace(STRIP_RE, "");
  }

  let lastText = null;
  // Set while this script writes a channel text itself: such an input is not the officer adapting the text.
  let mirroring = false;
  let channelsTouched = false;
  const proposalTimers = new Map();
  const proposalRequests = new Map();

  function byChannel(selector, channel) {
    return document.querySelector(selector.replace("%s", CSS.escape(channel)));
  }

  function readJson(id, fallback) {
    const node = document.getElementById(id);
    if (!node) return fallback;
    try {
      return JSON.parse(node.textContent);
    } catch (error) {
      return fallback;
    }
  }

  // --- Compose once -------------------------------------------------------------------------------------------

  function mainText(language) {
    const textarea = document.querySelector(MAIN_SELECTOR + '[data-language="' + CSS.escape(language) + '"]');
    return textarea ? textarea.value : "";
  }

  function mainParts(textarea) {
    const languages = (textarea.getAttribute("data-main-languages") || "").split(" ").filter(Boolean);
    return languages.map((language) => strip(mainText(language).replace(/\r\n?/g, "\n")));
  }

  // editorial/compose.py, text_from_main.
  function textFromMain(textarea) {
    return mainParts(textarea).filter(Boolean).join(BILINGUAL_SEPARATOR);
  }

  function followsInput(channel) {
    return byChannel('input[data-follows="%s"]', channel);
  }

  function follows(channel) {
    const input = followsInput(channel);
    return Boolean(input && input.value === "1");
  }

  function setFollows(channel, value) {
    const input = followsInput(channel);
    if (input) input.value = value ? "1" : "0";
    const state = byChannel('[data-follow-state="%s"]', channel);
    if (!state) return;
    state.querySelectorAll("[data-when-following]").forEach((node) => (node.hidden = !value));
    state.querySelectorAll("[data-when-adapted]").forEach((node) => (node.hidden = value));
  }

  function writeChannelText(textarea, value) {
    if (textarea.value === value) return;
    mirroring = true;
    try {
      textarea.value = value;
      // The counter, the preview and the typing aids listen to input events.
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    } finally {
      mirroring = false;
    }
  }

  function mirrorMain() {
    document.querySelectorAll(CHANNEL_SELECTOR).forEach((textarea) => {
      const channel = textarea.getAttribute("data-channel");
      if (follows(channel)) writeChannelText(textarea, textFromMain(textarea));
    });
  }

  function retake(channel) {
    const textarea = byChannel(CHANNEL_SELECTOR + '[data-channel="%s"]', channel);
    if (!textarea) return;
    setFollows(channel, true);
    writeChannelText(textarea, textFromMain(textarea));
    textarea.focus();
  }

  // --- Hashtags and links ---------------------------------------------------------------------------------------

  function allLabel(box, name) {
    return box.getAttribute(name) || "";
  }

  function renderButtons(data) {
    const box = document.getElementById("hashtag-buttons");
    if (!box) return;
    box.replaceChildren();
    const tags = proposedTags(data);
    if (!tags.length) {
      const empty = document.createElement("span");
      empty.className = "text-body-secondary small";
      empty.textContent = box.getAttribute("data-empty") || "";
      box.appendChild(empty);
      return;
    }
    for (const tag of tags) {
      const group = document.createElement("div");
      group.className = "btn-group btn-group-sm";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", tag);
      const one = document.createElement("button");
      one.type = "button";
      one.className = "btn btn-outline-secondary";
      one.setAttribute("data-hashtag", tag);
      one.textContent = tag;
      const all = document.createElement("button");
      all.type = "button";
      all.className = "btn btn-outline-secondary text-nowrap";
      all.setAttribute("data-hashtag", tag);
      all.setAttribute("data-all", "");
      all.title = allLabel(box, "data-all-title").replace("%(tag)s", tag);
      all.textContent = allLabel(box, "data-all-label");
      const hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = " " + tag;
      all.appendChild(hidden);
      group.append(one, all);
      box.appendChild(group);
    }
  }

  function proposedTags(data) {
    const tags = [];
    const category = document.getElementById("id_category");
    const locality = document.getElementById("id_locality");
    if (category && data.categories[category.value]) tags.push(...data.categories[category.value]);
    if (locality && data.localities[locality.value]) tags.push(...data.localities[locality.value]);
    return tags.filter((tag, index) => tags.indexOf(tag) === index);
  }

  function insertAt(textarea, token) {
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? start;
    const before = textarea.value.slice(0, start);
    const after = textarea.value.slice(end);
    const lead = before && !/\s$/u.test(before) ? " " : "";
    const trail = after && !/^\s/u.test(after) ? " " : "";
    textarea.setRangeText(lead + token + trail, start, end, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function appendTo(textarea, token) {
    if (textarea.value.includes(token)) return;
    const value = textarea.value.replace(/\s+$/u, "");
    textarea.value = value ? value + " " + token : token;
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function visible(textarea) {
    const block = textarea.closest(".js-channel-block");
    return !block || !block.hidden;
  }

  function insertToken(token, everywhere) {
    if (everywhere) {
      // The main texts, and each channel text that no longer follows them (the others follow by themselves).
      document.querySelectorAll(MAIN_SELECTOR).forEach((textarea) => appendTo(textarea, token));
      document.querySelectorAll(CHANNEL_SELECTOR).forEach((textarea) => {
        if (!follows(textarea.getAttribute("data-channel")) && visible(textarea)) appendTo(textarea, token);
      });
      return;
    }
    const textarea = lastText || document.querySelector(MAIN_SELECTOR) || document.querySelector(TEXT_SELECTOR);
    if (!textarea) return;
    insertAt(textarea, token);
    textarea.focus();
  }

  function showInsertTarget() {
    const target = document.querySelector("[data-insert-target]");
    if (!target || !lastText) return;
    const label = document.querySelector("label[for='" + CSS.escape(lastText.id) + "']");
    const name = label ? label.textContent.replace(/\*/g, "").trim() : "";
    target.textContent = name ? (target.getAttribute("data-label") || "").replace("%(field)s", name) : "";
  }

  // --- Preview, X overflow and proposal -------------------------------------------------------------------------

  function appendStyled(parent, text) {
    const lines = text.split("\n");
    lines.forEach((line, index) => {
      if (index) parent.appendChild(document.createElement("br"));
      let position = 0;
      for (const match of line.matchAll(TOKEN_RE)) {
        const token = match[1] || match[3];
        const tokenStart = match.index + match[0].length - token.length;
        if (tokenStart > position) parent.appendChild(document.createTextNode(line.slice(position, tokenStart)));
        const span = document.createElement("span");
        span.className = "social-link";
        span.textContent = token;
        parent.appendChild(span);
        position = tokenStart + token.length;
      }
      if (position < line.length) parent.appendChild(document.createTextNode(line.slice(position)));
    });
  }

  function xCount(text) {
    return window.DeskX ? window.DeskX.parseTweet(text) : null;
  }

  function updatePreview(textarea) {
    const channel = textarea.getAttribute("data-channel");
    if (!channel) return;
    const preview = byChannel('[data-preview-channel="%s"] [data-preview-text]', channel);
    if (!preview) return;
    preview.replaceChildren();
    const text = textarea.value.replace(/\r\n?/g, "\n");
    const count = textarea.hasAttribute("data-x-counter") ? xCount(text) : null;
    if (!count || count.weightedLength <= X_LIMIT) {
      appendStyled(preview, text);
      return;
    }
    // The first UTF-16 unit that does not fit, as editorial.xtext.split_at_limit cuts it.
    const cut = count.validRangeEnd + 1;
    appendStyled(preview, text.slice(0, cut));
    const mark = document.createElement("mark");
    mark.className = "x-overflow";
    mark.title = preview.getAttribute("data-overflow-title") || "";
    appendStyled(mark, text.slice(cut));
    preview.appendChild(mark);
  }

  function showProposal(channel, proposal, count) {
    const box = byChannel('[data-x-proposal="%s"]', channel);
    if (!box) return;
    box.hidden = !proposal;
    if (!proposal) return;
    box.querySelector("[data-x-proposal-text]").textContent = proposal;
    box.querySelector("[data-x-proposal-count]").textContent = String(count);
  }

  function requestProposal(textarea) {
    const channel = textarea.getAttribute("data-channel");
    const form = document.getElementById("post-form");
    const url = form && form.getAttribute("data-x-fit-url");
    if (!url) return;
    const body = new URLSearchParams();
    const token = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) body.append("csrfmiddlewaretoken", token.value);
    const parts = mainParts(textarea).filter(Boolean);
    if (follows(channel) && parts.length > 1) {
      parts.forEach((part) => body.append("part", part));
    } else {
      body.append("text", textarea.value);
    }
    const previous = proposalRequests.get(channel);
    if (previous) previous.abort();
    const controller = new AbortController();
    proposalRequests.set(channel, controller);
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
      signal: controller.signal,
    })
      .then((response) => (response.ok ? response.json() : { proposal: null }))
      .then((answer) => {
        // Only the answer to the text as it still is counts.
        const still = xCount(textarea.value);
        showProposal(channel, still && still.weightedLength > X_LIMIT ? answer.proposal : null, answer.count);
      })
      .catch(() => {});
  }

  function updateX(textarea) {
    const channel = textarea.getAttribute("data-channel");
    const count = xCount(textarea.value);
    if (!count) return;
    const over = count.weightedLength > X_LIMIT;
    const note = byChannel('[data-x-over="%s"]', channel);
    if (note) note.hidden = !over;
    clearTimeout(proposalTimers.get(channel));
    if (!over) {
      showProposal(channel, null, 0);
      return;
    }
    proposalTimers.set(
      channel,
      setTimeout(() => requestProposal(textarea), PROPOSAL_DELAY_MS),
    );
  }

  function acceptProposal(channel) {
    const box = byChannel('[data-x-proposal="%s"]', channel);
    const textarea = byChannel(CHANNEL_SELECTOR + '[data-channel="%s"]', channel);
    if (!box || !textarea) return;
    const proposal = box.querySelector("[data-x-proposal-text]").textContent;
    setFollows(channel, false);
    textarea.value = proposal;
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    textarea.focus();
  }

  // --- Channels and photos ------------------------------------------------------------------------------------

  function showChosenChannels() {
    document.querySelectorAll("input[name='channels']").forEach((checkbox) => {
      const block = byChannel('.js-channel-block[data-channel="%s"]', checkbox.value);
      if (block) block.hidden = !checkbox.checked;
    });
  }

  function tickCategoryChannels(ticks) {
    const category = document.getElementById("id_category");
    const wanted = category && ticks[category.value];
    if (channelsTouched || !wanted) return;
    document.querySelectorAll("input[name='channels']").forEach((checkbox) => {
      checkbox.checked = wanted.includes(checkbox.value);
    });
    showChosenChannels();
  }

  function photoPicked(checkbox) {
    const id = checkbox.getAttribute("data-photo");
    const card = byChannel('[data-photo-card="%s"]', id);
    if (card) card.classList.toggle("photo-picked", checkbox.checked);
    const alt = byChannel('[data-photo-alt="%s"]', id);
    // Ticking a photo leads on to its alternative text, which it needs.
    if (checkbox.checked && alt && !alt.value.trim()) alt.focus();
  }

  // --- Wiring -------------------------------------------------------------------------------------------------

  function start() {
    const data = readJson("hashtag-data", { categories: {}, localities: {} });
    const categoryTicks = readJson("category-channels", {});
    document.addEventListener("focusin", (event) => {
      if (event.target.matches && event.target.matches(TEXT_SELECTOR)) {
        lastText = event.target;
        showInsertTarget();
      }
    });
    document.addEventListener("input", (event) => {
      const target = event.target;
      if (!target.matches) return;
      if (target.matches(MAIN_SELECTOR)) {
        mirrorMain();
      } else if (target.matches(CHANNEL_SELECTOR)) {
        // Anything that changes a channel text other than the mirror (typing, a tag, a mention) adapts it.
        if (!mirroring) setFollows(target.getAttribute("data-channel"), false);
        updatePreview(target);
        if (target.hasAttribute("data-x-counter")) updateX(target);
      }
    });
    document.addEventListener("change", (event) => {
      const target = event.target;
      if (target.id === "id_category") tickCategoryChannels(categoryTicks);
      if (target.id === "id_category" || target.id === "id_locality") renderButtons(data);
      if (target.name === "channels") {
        channelsTouched = true;
        showChosenChannels();
      }
      if (target.hasAttribute && target.hasAttribute("data-photo")) photoPicked(target);
    });
    document.addEventListener("click", (event) => {
      const closest = (selector) => event.target.closest && event.target.closest(selector);
      const tagButton = closest("[data-hashtag]");
      if (tagButton) {
        event.preventDefault();
        insertToken(tagButton.getAttribute("data-hashtag"), tagButton.hasAttribute("data-all"));
        return;
      }
      const retakeButton = closest("[data-retake]");
      if (retakeButton) {
        event.preventDefault();
        retake(retakeButton.getAttribute("data-retake"));
        return;
      }
      const acceptButton = closest("[data-x-accept]");
      if (acceptButton) {
        event.preventDefault();
        acceptProposal(acceptButton.getAttribute("data-x-accept"));
      }
    });
    // Keep the cursor in the text when a button is pressed, so the tag goes where the officer was writing.
    document.addEventListener("mousedown", (event) => {
      if (event.target.closest && event.target.closest("[data-hashtag]")) event.preventDefault();
    });
    renderButtons(data);
    showChosenChannels();
    // A page that came back without script having run (or with a main text changed elsewhere) is put in step.
    mirrorMain();
    document.querySelectorAll(CHANNEL_SELECTOR + "[data-x-counter]").forEach((textarea) => {
      const count = xCount(textarea.value);
      const shown = byChannel('[data-x-proposal="%s"]:not([hidden])', textarea.getAttribute("data-channel"));
      if (count && count.weightedLength > X_LIMIT && !shown) updateX(textarea);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
