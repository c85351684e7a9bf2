/* Cusdis adapter for discussion.js (https://cusdis.com/doc#/advanced/sdk):
   the thread's element, its language's script when not English, and Cusdis'
   script; ready when its frame reports "onload"; themes by CUSDIS.setTheme. */
(function (d) {
  "use strict";
  d.adapters.cusdis = function (thread, box) {
    var cfg = d.config.cusdis;
    box.append(d.element("div", {
      id: "cusdis_thread", "data-host": cfg.host.replace(/\/+$/, ""), "data-app-id": cfg.app_id,
      "data-page-id": thread.id, "data-page-url": thread.url, "data-page-title": thread.title, "data-theme": d.theme()
    }));
    if (cfg.lang !== "en") box.append(d.script({ src: cfg.host + "js/widget/lang/" + cfg.lang + ".js" }));
    box.append(d.script({ src: cfg.host + "js/cusdis.es.js" }));
    window.addEventListener("message", function (e) {
      try { var message = JSON.parse(e.data); } catch (error) { return; }
      if (message && message.from === "cusdis" && message.event === "onload" && !d.sync.ready) d.ready();
    });
    return function (theme) { window.CUSDIS.setTheme(theme); };
  };
})(window.commonsDiscussion);
