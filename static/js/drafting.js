// The drafting page: hashtag buttons that follow the chosen category and locality and insert a tag at the
// cursor of the text last written in, and a live preview of each text beside it.
//
// User text only ever reaches the page through textContent and text nodes, never through innerHTML, so nothing
// typed in a post can become markup. The server's preview (templates/editorial/_preview.html) is the reference.
(function () {
  "use strict";

  const TEXT_SELECTOR = "textarea.js-post-text";
  // The same shapes as the social_text filter (editorial/templatetags/desk.py): links, then #tags and @mentions.
  const TOKEN_RE = /(\b(?:https?:\/\/|www\.)[^\s<]+)|((?:^|[^\p{L}\p{N}_&])([#@][\p{L}\p{N}_]+))/giu;

  let lastText = null;

  function readHashtags() {
    const node = document.getElementById("hashtag-data");
    if (!node) return { categories: {}, localities: {} };
    try {
      return JSON.parse(node.textContent);
    } catch (error) {
      return { categories: {}, localities: {} };
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
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-outline-secondary";
      button.setAttribute("data-hashtag", tag);
      button.textContent = tag;
      box.appendChild(button);
    }
  }

  function insertTag(tag) {
    const textarea = lastText || document.querySelector(TEXT_SELECTOR);
    if (!textarea) return;
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? start;
    const before = textarea.value.slice(0, start);
    const after = textarea.value.slice(end);
    const lead = before && !/\s$/u.test(before) ? " " : "";
    const trail = after && !/^\s/u.test(after) ? " " : "";
    textarea.setRangeText(lead + tag + trail, start, end, "end");
    textarea.focus();
    // The X counter and the preview listen to input events.
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function appendStyled(parent, line) {
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
  }

  function updatePreview(textarea) {
    const channel = textarea.getAttribute("data-channel");
    const preview = document.querySelector('[data-preview-channel="' + CSS.escape(channel) + '"] [data-preview-text]');
    if (!preview) return;
    preview.replaceChildren();
    const lines = textarea.value.replace(/\r\n?/g, "\n").split("\n");
    lines.forEach((line, index) => {
      if (index) preview.appendChild(document.createElement("br"));
      appendStyled(preview, line);
    });
  }

  function markChosenChannels() {
    document.querySelectorAll("input[name='channels']").forEach((checkbox) => {
      const block = document.querySelector('.js-channel-block[data-channel="' + CSS.escape(checkbox.value) + '"]');
      if (block) block.classList.toggle("opacity-50", !checkbox.checked);
    });
  }

  function start() {
    const data = readHashtags();
    document.addEventListener("focusin", (event) => {
      if (event.target.matches && event.target.matches(TEXT_SELECTOR)) lastText = event.target;
    });
    document.addEventListener("input", (event) => {
      if (event.target.matches && event.target.matches(TEXT_SELECTOR)) updatePreview(event.target);
    });
    document.addEventListener("change", (event) => {
      const target = event.target;
      if (target.id === "id_category" || target.id === "id_locality") renderButtons(data);
      if (target.name === "channels") markChosenChannels();
    });
    document.addEventListener("click", (event) => {
      const button = event.target.closest && event.target.closest("[data-hashtag]");
      if (!button) return;
      event.preventDefault();
      insertTag(button.getAttribute("data-hashtag"));
    });
    // Keep the cursor in the text when a button is pressed, so the tag goes where the officer was writing.
    document.addEventListener("mousedown", (event) => {
      if (event.target.closest && event.target.closest("[data-hashtag]")) event.preventDefault();
    });
    renderButtons(data);
    markChosenChannels();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
