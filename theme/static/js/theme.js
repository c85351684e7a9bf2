/* Commons theme script: the colour-scheme toggle and the Web Share button.
   Loaded in <head> (not deferred) so a remembered scheme applies before the
   first paint. Reads [data-theme-toggle] and [data-share-native] (with
   data-share-title, data-share-url); see README "Markup interface".
   Contract with the comment widgets: <html data-theme="light|dark"> (absent:
   follow prefers-color-scheme) and a "commons:themechange" event on every change. */
(function () {
  "use strict";
  var KEY = "commons-theme";
  var root = document.documentElement;
  var system = window.matchMedia("(prefers-color-scheme: dark)");

  function remembered() {
    try {
      var value = localStorage.getItem(KEY);
      return value === "light" || value === "dark" ? value : null;
    } catch (error) {
      return null; // storage blocked: follow the system
    }
  }

  function current() {
    return root.dataset.theme || (system.matches ? "dark" : "light");
  }

  function announce() {
    document.dispatchEvent(
      new CustomEvent("commons:themechange", { detail: { theme: current() } })
    );
  }

  // A choice equal to the system's scheme is stored as "follow the system".
  function choose(theme) {
    var follow = theme === (system.matches ? "dark" : "light");
    if (follow) delete root.dataset.theme;
    else root.dataset.theme = theme;
    try {
      if (follow) localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, theme);
    } catch (error) {
      /* the choice lasts for this page only */
    }
    announce();
  }

  var saved = remembered();
  if (saved) root.dataset.theme = saved;

  function setUp() {
    var toggle = document.querySelector("[data-theme-toggle]");
    function sync() {
      if (toggle) toggle.setAttribute("aria-pressed", String(current() === "dark"));
    }
    if (toggle) {
      sync();
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        choose(current() === "dark" ? "light" : "dark");
        sync();
      });
    }
    system.addEventListener("change", function () {
      if (!root.dataset.theme) {
        sync();
        announce();
      }
    });

    var share = document.querySelector("[data-share-native]");
    if (share && navigator.share) {
      share.parentElement.hidden = false;
      share.addEventListener("click", function () {
        navigator
          .share({ title: share.dataset.shareTitle, url: share.dataset.shareUrl })
          .catch(function () {}); // the reader closed the dialog
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
