/* Comentario adapter for discussion.js
   (https://docs.comentario.app/en/configuration/embedding/): its script and
   comments tag, whose page-id must be a path ("/<thread id>"); themes by the
   tag's `theme` attribute, re-rendered with main(); ready once it has rendered. */
(function (d) {
  "use strict";
  d.adapters.comentario = function (thread, box) {
    var cfg = d.config.comentario;
    box.append(
      d.script({ src: cfg.url + "comentario.js" }),
      d.element("comentario-comments", {
        "page-id": "/" + thread.id.replace(/^\/+/, ""), lang: cfg.lang, theme: d.theme(),
        "max-level": cfg.max_level, "no-fonts": cfg.fonts ? "false" : "true"
      })
    );
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
