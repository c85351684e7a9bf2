/* utterances adapter for discussion.js: ready on its first resize message;
   themes by its "set-theme" message. */
(function (d) {
  "use strict";
  var origin = d.config.frameOrigin;
  d.adapters.utterances = function () {
    window.addEventListener("message", function (e) {
      if (e.origin === origin && e.data && e.data.type === "resize" && !d.sync.ready) d.ready();
    });
    return function (theme) {
      var frame = d.$("iframe.utterances-frame", d.section);
      if (frame) frame.contentWindow.postMessage({ type: "set-theme", theme: theme }, origin);
    };
  };
})(window.commonsDiscussion);
