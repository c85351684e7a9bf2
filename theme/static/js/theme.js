/* Commons scheme toggle and share button; docs/theme.md "Markup interface".
   Not deferred: a remembered scheme applies before the first paint. */
(function () {
  "use strict";
  var KEY = "commons-theme", doc = document, data = doc.documentElement.dataset;
  var system = matchMedia("(prefers-color-scheme: dark)");
  function systemTheme() { return system.matches ? "dark" : "light"; }
  function current() { return data.theme || systemTheme(); }
  try {
    var saved = localStorage.getItem(KEY);
    if (saved === "light" || saved === "dark") data.theme = saved;
  } catch (e) {}

  // Run from the head: the body is parsed by DOMContentLoaded.
  doc.addEventListener("DOMContentLoaded", function () {
    var toggle = doc.querySelector("[data-theme-toggle]");
    var share = doc.querySelector("[data-share-native]");
    function changed(announce) {
      if (toggle) toggle.setAttribute("aria-pressed", current() === "dark");
      if (announce) doc.dispatchEvent(new CustomEvent("commons:themechange", { detail: { theme: current() } }));
    }
    if (toggle) {
      changed();
      toggle.hidden = false;
      toggle.onclick = function () {
        var theme = current() === "dark" ? "light" : "dark";
        // The system's own scheme: follow the system again.
        if (theme === systemTheme()) delete data.theme;
        else data.theme = theme;
        try { data.theme ? localStorage.setItem(KEY, data.theme) : localStorage.removeItem(KEY); } catch (e) {}
        changed(true);
      };
    }
    system.addEventListener("change", function () { if (!data.theme) changed(true); });
    if (share && navigator.share) {
      // Its section too, hidden when the button is all it holds.
      share.parentNode.hidden = share.closest("section").hidden = false;
      // The page's title and address: its og:title and canonical link, which
      // the theme writes in the head, before anything a post's body holds.
      share.onclick = function () {
        navigator.share({ title: doc.querySelector("[property='og:title']").content, url: doc.querySelector("[rel=canonical]").href }).catch(function () {});
      };
    }
  });
})();
