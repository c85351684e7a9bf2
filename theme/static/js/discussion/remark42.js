/* Remark42 adapter for discussion.js: remark_config from the site settings and
   the thread; ready on "REMARK42::ready"; themes by REMARK42.changeTheme. */
(function (d) {
  "use strict";
  d.adapters.remark42 = function (thread) {
    window.remark_config = Object.assign({}, d.config.remark42, {
      url: d.absolute(thread.url), page_title: thread.title, theme: d.theme()
    });
    window.addEventListener("REMARK42::ready", d.ready);
    return function (theme) { window.REMARK42.changeTheme(theme); };
  };
})(window.commonsDiscussion);
