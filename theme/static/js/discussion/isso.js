/* Isso adapter for discussion.js
   (https://isso-comments.de/docs/reference/client-config/): the site's
   stylesheet for Isso's widget, Isso's script from the server (the folder of
   the settings' count endpoint) and the thread's element. The site's
   stylesheet colours Isso, so a scheme change needs nothing here. Isso's vote
   arrows are links without a name: this names them. Its thread heading is an h4 under the section's h2:
   this makes it a level-3 heading for assistive technology. Ready once the
   thread has loaded (its heading is filled). */
(function (d) {
  "use strict";
  d.adapters.isso = function (thread, box) {
    var cfg = d.config, server = new URL(".", cfg.countUrl).href;
    box.append(
      d.element("link", { rel: "stylesheet", href: d.base + "css/isso.css" }),
      d.script({ src: server + "js/embed.min.js", "data-isso": server, "data-isso-lang": cfg.isso.lang, "data-isso-css": cfg.isso.css }),
      d.element("div", { id: "isso-thread", "data-isso-id": thread.id, "data-title": thread.title })
    );
    new MutationObserver(function () {
      d.section.querySelectorAll(".isso-upvote:not([aria-label]), .isso-downvote:not([aria-label])")
        .forEach(function (a) { a.setAttribute("aria-label", /upvote/.test(a.className) ? "Upvote" : "Downvote"); });
      d.section.querySelectorAll(".isso-thread-heading:not([aria-level])")
        .forEach(function (h) { h.setAttribute("aria-level", "3"); });
      // Isso fills its heading once the thread has come from its API.
      var heading = d.$(".isso-thread-heading", d.section);
      if (heading && heading.textContent && !d.sync.ready) d.ready();
    }).observe(d.section, { childList: true, subtree: true });
    return null;
  };
})(window.commonsDiscussion);
