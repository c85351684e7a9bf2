/* Commons scheme toggle and share button; README "Markup interface". Not
   deferred: a remembered scheme applies before the first paint. */
(function () {
  "use strict";
  var KEY = "commons-theme", root = document.documentElement;
  var system = matchMedia("(prefers-color-scheme: dark)");
  function systemTheme() { return system.matches ? "dark" : "light"; }
  function current() { return root.dataset.theme || systemTheme(); }
  function store(theme) {
    try { theme ? localStorage.setItem(KEY, theme) : localStorage.removeItem(KEY); } catch (e) {}
  }
  try {
    var saved = localStorage.getItem(KEY);
    if (saved === "light" || saved === "dark") root.dataset.theme = saved;
  } catch (e) {}

  function setUp() {
    var toggle = root.querySelector("[data-theme-toggle]");
    var share = root.querySelector("[data-share-native]");
    function changed(announce) {
      if (toggle) toggle.setAttribute("aria-pressed", current() === "dark");
      if (announce) document.dispatchEvent(new CustomEvent("commons:themechange", { detail: { theme: current() } }));
    }
    if (toggle) {
      changed(false);
      toggle.hidden = false;
      toggle.onclick = function () {
        var theme = current() === "dark" ? "light" : "dark";
        // The system's own scheme: follow the system again.
        if (theme === systemTheme()) delete root.dataset.theme;
        else root.dataset.theme = theme;
        store(root.dataset.theme);
        changed(true);
      };
    }
    system.addEventListener("change", function () { if (!root.dataset.theme) changed(true); });
    if (share && navigator.share) {
      share.parentNode.hidden = false;
      share.onclick = function () {
        navigator.share({ title: share.dataset.shareTitle, url: share.dataset.shareUrl }).catch(function () {});
      };
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
