/* Comentario adapter for discussion.js: themes by the comments tag's `theme`
   attribute, re-rendered with main(); ready once it has rendered. */
(function (d) {
  "use strict";
  d.adapters.comentario = function () {
    // Ready once Comentario has rendered the thread it fetched.
    new MutationObserver(function (records, seen) {
      var tag = d.$("comentario-comments", d.section);
      if (tag && tag.firstElementChild && !d.sync.ready) { seen.disconnect(); d.ready(); }
    }).observe(d.section, { childList: true, subtree: true });
    return function (theme) {
      var tag = d.$("comentario-comments", d.section);
      tag.setAttribute("theme", theme);
      if (tag.main) tag.main();
    };
  };
})(window.commonsDiscussion);
