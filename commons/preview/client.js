// Commons preview: reloads the page when its file changes and shows a failed
// save's error over the page. Served only by the local preview server
// (commons/preview/server.py), never part of the built site.
(function () {
  "use strict";
  var OVERLAY_ID = "commons-preview-error";
  var script = document.currentScript;
  var endpoint = (script && script.dataset.events) || "/__commons/preview/events";
  var firstBuild = null;

  function pageFile() {
    var path = decodeURIComponent(location.pathname).replace(/^\/+/, "");
    if (path === "" || path.slice(-1) === "/") path += "index.html";
    return path;
  }

  function showError(message) {
    var box = document.getElementById(OVERLAY_ID);
    if (!box) {
      box = document.createElement("div");
      box.id = OVERLAY_ID;
      box.setAttribute("role", "alert");
      box.style.cssText =
        "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:2147483647;" +
        "margin:0;padding:1rem 1.25rem;background:#fff4f4;color:#4a0000;" +
        "border-top:4px solid #b00020;font:14px/1.45 ui-monospace,monospace;";
      var heading = document.createElement("strong");
      heading.textContent = "The last save could not be built; this page is the last good build.";
      var text = document.createElement("pre");
      text.setAttribute("data-preview-error-text", "");
      text.style.cssText = "white-space:pre-wrap;margin:.5rem 0 0;font:inherit;";
      box.appendChild(heading);
      box.appendChild(text);
      document.body.appendChild(box);
    }
    // textContent: the message is shown as text, whatever it contains.
    box.querySelector("[data-preview-error-text]").textContent = message;
  }

  function clearError() {
    var box = document.getElementById(OVERLAY_ID);
    if (box) box.remove();
  }

  var events = new EventSource(endpoint);
  events.addEventListener("hello", function (event) {
    var state = JSON.parse(event.data);
    // A new server process (after a plugin change): this page may be stale.
    if (firstBuild !== null && state.server !== firstBuild) location.reload();
    firstBuild = state.server;
    if (state.error) showError(state.error);
  });
  events.addEventListener("reload", function (event) {
    var paths = JSON.parse(event.data).paths;
    if (paths.indexOf("*") !== -1 || paths.indexOf(pageFile()) !== -1) location.reload();
  });
  events.addEventListener("error-report", function (event) {
    showError(JSON.parse(event.data).message);
  });
  events.addEventListener("ok", clearError);
})();
