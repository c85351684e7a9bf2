/* Comentario adapter for discussion.js: themes by the comments tag's `theme`
   attribute, re-rendered with main(). */
(function (d) {
  "use strict";
  d.adapters.comentario = function () {
    setTimeout(d.ready);
    return function (theme) {
      var tag = d.$("comentario-comments", d.section);
      tag.setAttribute("theme", theme);
      if (tag.main) tag.main();
    };
  };
})(window.commonsDiscussion);
