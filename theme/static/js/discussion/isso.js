/* Isso adapter for discussion.js: the site's stylesheet colours Isso, so a
   scheme change needs nothing here. Isso's vote arrows are links without a
   name: this names them. */
(function (d) {
  "use strict";
  d.adapters.isso = function () {
    new MutationObserver(function () {
      d.section.querySelectorAll(".isso-upvote:not([aria-label]), .isso-downvote:not([aria-label])")
        .forEach(function (a) { a.setAttribute("aria-label", /upvote/.test(a.className) ? "Upvote" : "Downvote"); });
    }).observe(d.section, { childList: true, subtree: true });
    return null;
  };
})(window.commonsDiscussion);
