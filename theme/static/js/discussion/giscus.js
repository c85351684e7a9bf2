/* giscus adapter for discussion.js: ready on giscus' first message; themes by
   setConfig (https://github.com/giscus/giscus/blob/main/ADVANCED-USAGE.md). */
(function (d) {
  "use strict";
  var origin = d.config.frameOrigin;
  d.adapters.giscus = function () {
    window.addEventListener("message", function (e) {
      if (e.origin === origin && e.data && e.data.giscus && !d.sync.ready) d.ready();
    });
    return function (theme) {
      var frame = d.$("iframe.giscus-frame", d.section);
      if (frame) frame.contentWindow.postMessage({ giscus: { setConfig: { theme: theme } } }, origin);
    };
  };
})(window.commonsDiscussion);
