/* Cusdis adapter for discussion.js: ready when its frame reports "onload";
   themes by CUSDIS.setTheme. */
(function (d) {
  "use strict";
  d.adapters.cusdis = function () {
    window.addEventListener("message", function (e) {
      try { var message = JSON.parse(e.data); } catch (error) { return; }
      if (message && message.from === "cusdis" && message.event === "onload" && !d.sync.ready) d.ready();
    });
    return function (theme) { window.CUSDIS.setTheme(theme); };
  };
})(window.commonsDiscussion);
