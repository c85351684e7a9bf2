/* Commons discussion: the consent gate, lazy loading, colour-scheme sync and
   comment counts. Reads #discussion-config (JSON), the #discussion section's
   data-discussion-* attributes, <template data-discussion-embed> and the
   [data-discussion-count] slots; see README "Markup interface".
   Nothing leaves the site's origin until the reader asks (mode "consent"),
   the thread nears the viewport ("lazy") or the page loads ("eager"). */
(function () {
  "use strict";
  var configNode = document.getElementById("discussion-config");
  if (!configNode || window.commonsDiscussion) return;
  var cfg = JSON.parse(configNode.textContent);
  var root = document.documentElement;
  var system = window.matchMedia("(prefers-color-scheme: dark)");
  var section = document.getElementById("discussion");
  var sync = { ready: false, applied: null, send: null };
  window.commonsDiscussion = { config: cfg, sync: sync };

  function $(selector, scope) { return (scope || document).querySelector(selector); }
  function absolute(url) { return new URL(url, location.href).href; }
  function scheme() { return root.dataset.theme || (system.matches ? "dark" : "light"); }
  function providerTheme() { return cfg.themes ? cfg.themes[scheme()] : scheme(); }

  function remembered() {
    try { return localStorage.getItem(cfg.storageKey) === "yes"; } catch (e) { return false; }
  }
  function remember(yes) {
    try {
      if (yes) localStorage.setItem(cfg.storageKey, "yes");
      else localStorage.removeItem(cfg.storageKey);
    } catch (e) { /* storage blocked: the choice lasts for this page */ }
  }

  // A fresh <script> runs when inserted; copies of parsed ones may not.
  function script(attributes) {
    var s = document.createElement("script");
    Object.keys(attributes).forEach(function (name) { s.setAttribute(name, attributes[name]); });
    if (!s.hasAttribute("async")) s.async = false; // keep document order
    return s;
  }

  // Theme changes wait in `sync.applied` until the widget says it is ready.
  function applyTheme() {
    var theme = providerTheme();
    if (!sync.ready || !sync.send || theme === sync.applied) return;
    sync.applied = theme;
    sync.send(theme);
  }
  function ready() { sync.ready = true; applyTheme(); }
  function onMessage(test) {
    window.addEventListener("message", function (event) {
      if (!sync.ready && test(event)) ready();
    });
  }
  function frame(selector, message) {
    var iframe = $(selector, section);
    if (iframe) iframe.contentWindow.postMessage(message, cfg.frameOrigin);
  }

  var providers = {
    giscus: function () {
      onMessage(function (e) { return e.origin === cfg.frameOrigin && e.data && e.data.giscus; });
      sync.send = function (t) { frame("iframe.giscus-frame", { giscus: { setConfig: { theme: t } } }); };
    },
    utterances: function () {
      onMessage(function (e) { return e.origin === cfg.frameOrigin && e.data && e.data.type === "resize"; });
      sync.send = function (t) { frame("iframe.utterances-frame", { type: "set-theme", theme: t }); };
    },
    remark42: function (thread) {
      window.remark_config = Object.assign({}, cfg.remark42, {
        url: absolute(thread.url), page_title: thread.title, theme: providerTheme()
      });
      window.addEventListener("REMARK42::ready", ready);
      sync.send = function (t) { window.REMARK42.changeTheme(t); };
    },
    cusdis: function () {
      onMessage(function (e) {
        try { var m = JSON.parse(e.data); } catch (err) { return false; }
        return m && m.from === "cusdis" && m.event === "onload";
      });
      sync.send = function (t) { window.CUSDIS.setTheme(t); };
    },
    comentario: function () {
      sync.send = function (t) {
        var el = $("comentario-comments", section);
        el.setAttribute("theme", t);
        if (el.main) el.main();
      };
      setTimeout(ready);
    },
    disqus: function (thread) {
      window.disqus_config = function () {
        this.page.identifier = thread.id;
        this.page.url = absolute(thread.url);
        this.page.title = thread.title;
        this.language = cfg.disqus.language;
        this.callbacks.onReady = [ready];
      };
      // Disqus picks its colours from the page when it loads: reload it.
      sync.send = function () { if (window.DISQUS) window.DISQUS.reset({ reload: true, config: window.disqus_config }); };
    },
    isso: function () {
      // Isso's colours come from the site's stylesheet. Its vote arrows are
      // links without a name: give them one.
      new MutationObserver(function () {
        section.querySelectorAll(".isso-upvote:not([aria-label]), .isso-downvote:not([aria-label])")
          .forEach(function (a) { a.setAttribute("aria-label", /up/.test(a.className) ? "Upvote" : "Downvote"); });
      }).observe(section, { childList: true, subtree: true });
    }
  };

  function load() {
    if (section.dataset.discussionLoaded) return;
    section.dataset.discussionLoaded = "true";
    var data = section.dataset;
    var thread = { id: data.discussionId, title: data.discussionTitle, url: data.discussionUrl };
    var setup = providers[cfg.provider];
    if (setup) setup(thread);
    var embed = document.importNode($("template[data-discussion-embed]", section).content, true);
    if (cfg.themeAttr) {
      var themed = embed.querySelector("[" + cfg.themeAttr + "]");
      if (themed) themed.setAttribute(cfg.themeAttr, providerTheme());
    }
    sync.applied = providerTheme();
    embed.querySelectorAll("script").forEach(function (old) {
      var attributes = {};
      Array.prototype.forEach.call(old.attributes, function (a) { attributes[a.name] = a.value; });
      old.replaceWith(script(attributes));
    });
    $("[data-discussion-thread]", section).appendChild(embed);
    $("[data-discussion-gate]", section).hidden = true;
    section.dispatchEvent(new CustomEvent("commons:discussionload", { bubbles: true }));
  }

  function showForget() {
    var forget = $("[data-discussion-forget]", section);
    if (!forget) return;
    forget.hidden = false;
    $("[data-discussion-forget-button]", forget).addEventListener("click", function () {
      remember(false);
      forget.textContent = "Done: this site will ask before loading comments again.";
      forget.setAttribute("role", "status");
    });
  }

  function gate() {
    if (!section || !$("template[data-discussion-embed]", section)) return;
    if (cfg.mode === "eager") return load();
    if (cfg.mode === "lazy") {
      if (!("IntersectionObserver" in window)) return load();
      var observer = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) { observer.disconnect(); load(); }
      }, { rootMargin: "600px 0px" });
      return observer.observe(section);
    }
    if (remembered()) { load(); return showForget(); }
    var box = $("[data-discussion-gate]", section);
    box.hidden = false;
    $("[data-discussion-load]", box).addEventListener("click", function () {
      var keep = $("[data-discussion-remember]", box);
      if (keep && keep.checked && cfg.remember) { remember(true); showForget(); }
      load();
      var heading = $("#discussion-heading");
      if (heading) { heading.tabIndex = -1; heading.focus(); }
    });
  }

  function showCount(value) {
    var text = value.textContent.trim();
    var label = value.parentNode.querySelector("[data-discussion-count-label]");
    if (!text) return;
    value.hidden = false;
    if (/^\d+$/.test(text)) {
      value.parentNode.dataset.count = text;
      label.textContent = text === "1" ? " comment" : " comments";
    } else {
      label.hidden = true; // the provider wrote a whole phrase
    }
  }

  function counts() {
    var values = document.querySelectorAll("[data-discussion-count] [data-discussion-count-value]");
    if (!values.length || !cfg.counts || (cfg.mode === "consent" && !remembered())) return;
    var observer = new MutationObserver(function () { values.forEach(showCount); });
    values.forEach(function (v) { observer.observe(v, { childList: true, characterData: true, subtree: true }); });
    if (cfg.countUrl) {
      var ids = Array.prototype.map.call(values, function (v) { return v.parentNode.dataset.discussionCount; });
      fetch(cfg.countUrl, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(ids) })
        .then(function (r) { return r.json(); })
        .then(function (numbers) { values.forEach(function (v, i) { v.textContent = String(numbers[i] || 0); }); })
        .catch(function () { /* no count: the slot stays a plain link */ });
      return;
    }
    if (cfg.remark42) {
      values.forEach(function (v) { if (v.dataset.url) v.dataset.url = absolute(v.dataset.url); });
      window.remark_config = window.remark_config || Object.assign({}, cfg.remark42, { components: ["counter"] });
    }
    if (cfg.countScript) document.body.appendChild(script(cfg.countScript));
  }

  document.addEventListener("commons:themechange", applyTheme);
  system.addEventListener("change", applyTheme);
  gate();
  counts();
})();
