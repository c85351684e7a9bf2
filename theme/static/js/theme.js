/* Commons scheme toggle, share button and the discussion's first step;
   docs/theme.md "Markup interface". Not deferred: a remembered scheme applies
   before the first paint. */
(function () {
  "use strict";
  var KEY = "commons-theme", doc = document, data = doc.documentElement.dataset;
  // Read now, from the head, before the body holds anything that could pose as it.
  var me = doc.currentScript.src, system = matchMedia("(prefers-color-scheme: dark)");
  function $(selector, scope) { return (scope || doc).querySelector(selector); }
  function dark() { return (data.theme || (system.matches ? "dark" : "light")) == "dark"; }
  // localStorage throws where storage is blocked: then nothing is remembered.
  // stored(key) reads; stored(key, value) writes, and forgets for "".
  function stored(key, value) {
    try {
      if (value == null) return localStorage.getItem(key);
      value ? localStorage.setItem(key, value) : localStorage.removeItem(key);
    } catch (e) {}
  }
  var saved = stored(KEY);
  if (saved == "light" || saved == "dark") data.theme = saved;

  // Run from the head: the body is parsed by DOMContentLoaded.
  doc.addEventListener("DOMContentLoaded", function () {
    var toggle = $("[data-theme-toggle]"), share = $("[data-share-native]");
    function changed(announce) {
      if (toggle) toggle.setAttribute("aria-pressed", dark());
      if (announce) doc.dispatchEvent(new CustomEvent("commons:themechange", { detail: { theme: dark() ? "dark" : "light" } }));
    }
    if (toggle) {
      changed();
      toggle.hidden = false;
      toggle.onclick = function () {
        // The other scheme; when that is the system's own, follow the system again.
        var theme = dark() ? "light" : "dark";
        if ((theme == "dark") == system.matches) delete data.theme;
        else data.theme = theme;
        stored(KEY, data.theme || "");
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
        navigator.share({ title: $("[property='og:title']").content, url: $("[rel=canonical]").href }).catch(function () {});
      };
    }
  });
  // Apart from the toggle and the share button: neither waits on the other.
  doc.addEventListener("DOMContentLoaded", function () {
    // discussion.js loads only when it has work to do: a thread that loads
    // without asking (mode lazy or eager, or the reader's remembered choice),
    // counts that may load, or the reader's click on the consent button.
    // Its settings are found by position, a direct child of main (a listing)
    // or of its section: never inside an article, where a post's body is.
    var node = $("main>script[data-discussion-config],main>section>script[data-discussion-config]");
    if (!node) return;
    var cfg = JSON.parse(node.textContent), section = node.parentNode;
    var gate = $(":scope>[data-discussion-gate]", section);
    // Inserted right after its settings, which it reads as its previous
    // sibling. The consent is a property of the element: no markup sets one.
    function load(consent) {
      var script = doc.createElement("script");
      script.src = new URL("discussion.js", me);
      script.commonsConsent = consent;
      node.after(script);
    }
    if (stored(cfg.storageKey) == "yes" || cfg.mode != "consent") return (gate || $("[data-discussion-count]")) && load();
    if (!gate) return;
    gate.hidden = false;
    $("[data-discussion-load]", gate).onclick = function () {
      var keep = $("[data-discussion-remember]", gate), heading = $("h2", section);
      gate.hidden = true;
      load({ remember: !!keep && keep.checked });
      heading.tabIndex = -1;
      heading.focus();
    };
  });
})();
