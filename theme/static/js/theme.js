/* Commons: colour-scheme toggle and Web Share button (README "Markup interface").
   In <head>, not deferred: a remembered scheme applies before the first paint.
   Sets <html data-theme="light|dark"> (absent: follow the system) and fires
   "commons:themechange" {theme} on every change, for the comment widgets. */
(function () {
  "use strict";
  var KEY = "commons-theme", root = document.documentElement;
  var system = matchMedia("(prefers-color-scheme: dark)");
  function systemTheme() { return system.matches ? "dark" : "light"; }
  function current() { return root.dataset.theme || systemTheme(); }
  function store(theme) {
    try {
      if (theme) localStorage.setItem(KEY, theme);
      else localStorage.removeItem(KEY);
    } catch (e) { /* storage blocked: the choice lasts for this page */ }
  }
  try {
    var saved = localStorage.getItem(KEY);
    if (saved === "light" || saved === "dark") root.dataset.theme = saved;
  } catch (e) { /* follow the system */ }

  function setUp() {
    var toggle = document.querySelector("[data-theme-toggle]");
    function changed() {
      if (toggle) toggle.setAttribute("aria-pressed", String(current() === "dark"));
      document.dispatchEvent(new CustomEvent("commons:themechange", { detail: { theme: current() } }));
    }
    if (toggle) {
      toggle.setAttribute("aria-pressed", String(current() === "dark"));
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var theme = current() === "dark" ? "light" : "dark";
        // Choosing the system's own scheme means "follow the system" again.
        if (theme === systemTheme()) delete root.dataset.theme;
        else root.dataset.theme = theme;
        store(root.dataset.theme);
        changed();
      });
    }
    system.addEventListener("change", function () { if (!root.dataset.theme) changed(); });

    var share = document.querySelector("[data-share-native]");
    if (share && navigator.share) {
      share.parentNode.hidden = false;
      share.addEventListener("click", function () {
        navigator.share({ title: share.dataset.shareTitle, url: share.dataset.shareUrl })
          .catch(function () { /* the reader closed the dialog */ });
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
