/* Consent gate, lazy loading, theme sync, counts: README "Markup interface". */
(function () {
  "use strict";
  // Found by position, never by id or name, which a post could forge.
  var doc = document, win = window;
  function get(n) { return Object.getOwnPropertyDescriptor(Document.prototype, n).get.call(doc); }
  var me = get("currentScript"), node = me.previousElementSibling, root = get("documentElement");
  if (!node || !node.matches("script[data-discussion-config]") ||
      ({}).hasOwnProperty.call(win, "commonsDiscussion")) return;
  var cfg = JSON.parse(node.textContent);
  var dark = win.matchMedia("(prefers-color-scheme: dark)");
  var section = $("main>section[data-discussion-provider]");
  var sync = { ready: false, applied: null, send: null };
  var api = win.commonsDiscussion = {
    config: cfg, section: section, sync: sync, adapters: {},
    $: $, add: add, root: root, absolute: absolute, theme: theme, ready: ready, script: script,
    embed: embed
  };

  function $(s, scope) { return (scope || root).querySelector(s); }
  function add(s) { doc.head.appendChild(s); }
  function asset(name) { return me.src.replace(/discussion\.js(\?.*)?$/, "discussion/" + name + ".js"); }
  function absolute(url) { return new URL(url, location.href).href; }
  function theme() {
    var scheme = root.dataset.theme || (dark.matches ? "dark" : "light");
    return cfg.themes ? cfg.themes[scheme] : scheme;
  }
  function store(yes) {
    try {
      if (yes === undefined) return localStorage.getItem(cfg.storageKey) === "yes";
      if (yes) localStorage.setItem(cfg.storageKey, "yes");
      else localStorage.removeItem(cfg.storageKey);
    } catch (e) { return false; } // storage blocked: this page only
  }
  // A script made here runs when inserted; parsed copies may not.
  function script(attrs) {
    var s = doc.createElement("script");
    for (var name in attrs) s.setAttribute(name, attrs[name]);
    if (!s.hasAttribute("async")) s.async = false; // keep document order
    return s;
  }

  // Held until the widget is ready; then only the latest is sent.
  function applyTheme() {
    var t = theme();
    if (!sync.ready || !sync.send || t === sync.applied) return;
    sync.applied = t;
    sync.send(t);
  }
  // The live thread has come: it replaces the snapshot, which stayed in view
  // until now so that a widget that fails or never answers hides nothing.
  function ready() {
    sync.ready = true;
    var snapshot = $("[data-discussion-snapshot]", section);
    if (snapshot) snapshot.remove();
    applyTheme();
  }

  function embed() {
    var data = section.dataset;
    var adapter = api.adapters[cfg.provider];
    if (adapter) sync.send = adapter({ id: data.discussionId, title: data.discussionTitle, url: data.discussionUrl });
    var content = doc.importNode($("template[data-discussion-embed]", section).content, true);
    var themed = cfg.themeAttr && content.querySelector("[" + cfg.themeAttr + "]");
    if (themed) themed.setAttribute(cfg.themeAttr, theme());
    sync.applied = theme();
    content.querySelectorAll("script").forEach(function (old) {
      var attrs = {};
      for (var i = 0; i < old.attributes.length; i++) attrs[old.attributes[i].name] = old.attributes[i].value;
      old.replaceWith(script(attrs));
    });
    // Without an adapter nothing says when the widget is ready: it replaces the snapshot now.
    var snapshot = !cfg.adapter && $("[data-discussion-snapshot]", section);
    if (snapshot) snapshot.remove();
    var form = $("form[data-discussion-form]", section);
    if (form) form.remove(); // the widget's own form replaces the plain one
    $("[data-discussion-thread]", section).appendChild(content);
  }

  function load() {
    if (section.dataset.discussionLoaded) return;
    section.dataset.discussionLoaded = "true";
    $("[data-discussion-gate]", section).hidden = true;
    add(script({ src: asset("watch") }));
    if (!cfg.adapter) return embed();
    var s = script({ src: asset(cfg.provider) });
    s.onload = s.onerror = embed; // no adapter: the widget loads unsynced
    add(s);
  }

  function offerForget() {
    var p = $("[data-discussion-forget]", section);
    if (!p) return;
    p.hidden = false;
    $("button", p).addEventListener("click", function () {
      store(false);
      p.textContent = "Done: this site will ask before loading comments again.";
      p.setAttribute("role", "status");
    });
  }

  function gate() {
    if (!section || !$("template[data-discussion-embed]", section)) return;
    if (cfg.mode === "eager" || (cfg.mode === "lazy" && !win.IntersectionObserver)) return load();
    if (cfg.mode === "lazy") {
      var seen = new IntersectionObserver(function (entries) {
        if (entries[0].isIntersecting) { seen.disconnect(); load(); }
      }, { rootMargin: "600px 0px" });
      return seen.observe(section);
    }
    if (store()) { load(); return offerForget(); }
    var box = $("[data-discussion-gate]", section);
    box.hidden = false;
    $("[data-discussion-load]", box).addEventListener("click", function () {
      var keep = $("[data-discussion-remember]", box);
      if (keep && keep.checked) { store(true); offerForget(); }
      load();
      var heading = $("h2", section);
      if (heading) { heading.tabIndex = -1; heading.focus(); }
    });
  }

  // Counts load under the same rule as threads: not before consent.
  function counts() {
    if (!cfg.counts || !$("[data-discussion-count]") || (cfg.mode === "consent" && !store())) return;
    add(script({ src: asset("counts") }));
  }

  doc.addEventListener("commons:themechange", applyTheme);
  dark.addEventListener("change", applyTheme);
  gate();
  counts();
})();
