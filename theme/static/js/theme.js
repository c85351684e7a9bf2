/* Commons scheme toggle, share button and the discussion's first step;
   docs/theme.md "Markup interface". Not deferred: a remembered scheme applies
   before the first paint. */
(function () {
  "use strict";
  var KEY = "commons-theme", doc = document, data = doc.documentElement.dataset;
  // Read now, from the head, before the body holds anything that could pose as it.
  var me = doc.currentScript.src;
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
  // Apart from the toggle and the share button: neither waits on the other.
  doc.addEventListener("DOMContentLoaded", discussion);

  // discussion.js loads only when it has work to do: a thread that loads
  // without asking (mode lazy or eager, or the reader's remembered choice),
  // counts that may load, or the reader's click on the consent button.
  // Its settings are found by position, a direct child of main (a listing)
  // or of its section: never inside an article, where a post's body is.
  function discussion() {
    var node = doc.querySelector("main>script[data-discussion-config],main>section>script[data-discussion-config]");
    if (!node) return;
    var cfg = JSON.parse(node.textContent), section = node.parentNode, stored;
    var gate = section.querySelector(":scope>[data-discussion-gate]");
    try { stored = localStorage.getItem(cfg.storageKey) == "yes"; } catch (e) {} // blocked: ask
    // Inserted right after its settings, which it reads as its previous
    // sibling. The consent is a property of the element: no markup sets one.
    function load(consent) {
      var s = doc.createElement("script");
      s.src = new URL("discussion.js", me);
      s.commonsConsent = consent;
      node.after(s);
    }
    if (stored || cfg.mode != "consent") return (gate || doc.querySelector("[data-discussion-count]")) && load();
    if (!gate) return;
    gate.hidden = false;
    gate.querySelector("[data-discussion-load]").onclick = function () {
      var keep = gate.querySelector("[data-discussion-remember]"), heading = section.querySelector("h2");
      gate.hidden = true;
      load({ remember: !!keep && keep.checked });
      heading.tabIndex = -1;
      heading.focus();
    };
  }
})();
