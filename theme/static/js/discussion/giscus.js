/* giscus adapter for discussion.js (https://giscus.app; mapping "specific":
   the thread id is the term): giscus' script, its attributes from the
   settings and the thread, and its container; ready on giscus' first
   message; themes by setConfig
   (https://github.com/giscus/giscus/blob/main/ADVANCED-USAGE.md). */
(function (d) {
  "use strict";
  var attrs = d.config.giscus, origin = new URL(attrs.src).origin;
  d.adapters.giscus = function (thread, box) {
    box.append(
      d.script(Object.assign({}, attrs, { "data-term": thread.id, "data-theme": d.theme() })),
      d.element("div", { class: "giscus" })
    );
    window.addEventListener("message", function (e) {
      if (e.origin === origin && e.data && e.data.giscus && !d.sync.ready) d.ready();
    });
    return function (theme) {
      var frame = d.$("iframe.giscus-frame", d.section);
      if (frame) frame.contentWindow.postMessage({ giscus: { setConfig: { theme: theme } } }, origin);
    };
  };
})(window.commonsDiscussion);
