/* utterances adapter for discussion.js (https://utteranc.es; the thread id is
   the issue term): its script, the attributes from the settings and the
   thread; ready on its first resize message; themes by its "set-theme"
   message. */
(function (d) {
  "use strict";
  var attrs = d.config.utterances, origin = new URL(attrs.src).origin;
  d.adapters.utterances = function (thread, box) {
    box.append(d.script(Object.assign({}, attrs, { "data-issue-term": thread.id, "data-theme": d.theme() })));
    window.addEventListener("message", function (e) {
      if (e.origin === origin && e.data && e.data.type === "resize" && !d.sync.ready) d.ready();
    });
    return function (theme) {
      var frame = d.$("iframe.utterances-frame", d.section);
      if (frame) frame.contentWindow.postMessage({ type: "set-theme", theme: theme }, origin);
    };
  };
})(window.commonsDiscussion);
