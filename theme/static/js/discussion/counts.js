/* Comment counts for discussion.js, loaded by discussion/live.js once the reader has agreed to the
   provider (or the site loads comments without asking). Fills the
   [data-discussion-count-value] of each [data-discussion-count] slot: from
   Isso's POST /count, or through the provider's own count script. */
(function (d) {
  "use strict";
  var cfg = d.config;
  var values = d.root.querySelectorAll("[data-discussion-count] [data-discussion-count-value]");

  function show(value) {
    var text = value.textContent.trim();
    var label = d.$("[data-discussion-count-label]", value.parentNode);
    if (!text) return;
    value.hidden = false;
    if (/^\d+$/.test(text)) {
      value.parentNode.dataset.count = text;
      label.textContent = text === "1" ? " comment" : " comments";
    } else {
      label.hidden = true; // the provider wrote a whole phrase ("2 Comments")
    }
  }

  var watch = new MutationObserver(function () { values.forEach(show); });
  values.forEach(function (v) { watch.observe(v, { childList: true, characterData: true, subtree: true }); });

  if (cfg.countUrl) {
    var ids = [].map.call(values, function (v) { return v.parentNode.dataset.discussionCount; });
    fetch(cfg.countUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(ids)
    })
      .then(function (response) { return response.json(); })
      .then(function (numbers) {
        // Isso counts its own comments; the snapshot's webmentions are added.
        values.forEach(function (v, i) {
          var mentions = parseInt(v.parentNode.dataset.discussionMentions, 10) || 0;
          v.textContent = String((numbers[i] || 0) + mentions);
        });
      })
      .catch(function () { /* no count: each slot stays a link to its discussion */ });
    return;
  }
  if (cfg.remark42) {
    // Remark42 keys counts by absolute URL, as its embed does.
    values.forEach(function (v) { if (v.dataset.url) v.dataset.url = d.absolute(v.dataset.url); });
    // Only a config a script set (an own property), never an element that a
    // post's id would make window.remark_config.
    if (!Object.prototype.hasOwnProperty.call(window, "remark_config"))
      window.remark_config = Object.assign({}, cfg.remark42, { components: ["counter"] });
  }
  if (cfg.countScript) d.add(d.script(cfg.countScript));
})(window.commonsDiscussion);
