/* Remark42 adapter for discussion.js (https://remark42.com/docs/configuration/frontend/):
   remark_config from the site settings and the thread, then the thread's
   element and Remark42's script; ready on "REMARK42::ready"; themes by
   REMARK42.changeTheme. */
(function (d) {
  "use strict";
  d.adapters.remark42 = function (thread, box) {
    var cfg = d.config.remark42;
    window.remark_config = Object.assign({}, cfg, {
      url: d.absolute(thread.url), page_title: thread.title, theme: d.theme()
    });
    window.addEventListener("REMARK42::ready", d.ready);
    box.append(d.element("div", { id: "remark42" }), d.script({ type: "module", src: cfg.host + "/web/embed.mjs" }));
    return function (theme) { window.REMARK42.changeTheme(theme); };
  };
})(window.commonsDiscussion);
