/* Loaded by discussion.js once comments may load, docs/theme.md "Markup
   interface": has the provider's adapter embed its widget, keeps it in the
   page's scheme, lets it replace the snapshot when ready, offers to forget a
   remembered choice, and loads the comment counts. */
(function (d) {
  "use strict";
  var cfg = d.config, section = d.section, $ = d.$, doc = document, counted;
  // Every provider has an adapter (discussion/<provider>.js) but `custom`.
  var provider = section && section.dataset.discussionProvider, adapted = d.adapted = provider !== "custom";
  var dark = matchMedia("(prefers-color-scheme: dark)");
  var sync = d.sync = { ready: false, applied: null, send: null };
  d.theme = theme;
  d.ready = ready;
  d.embed = embed;
  d.add = add;
  d.script = script;
  d.element = element;
  d.absolute = function (url) { return new URL(url, location.href).href; };
  d.live = function () {
    if (d.counts && !counted) { counted = true; add(script({ src: d.asset("counts") })); }
    if (d.thread) load();
  };

  function add(s) { doc.head.appendChild(s); }
  // Every value through setAttribute: a value is never markup.
  function element(tag, attrs) {
    var e = doc.createElement(tag);
    for (var name in attrs) e.setAttribute(name, attrs[name]);
    return e;
  }
  // A script made here runs when inserted; parsed copies may not.
  function script(attrs) {
    var s = element("script", attrs);
    if (!s.hasAttribute("async")) s.async = false; // keep document order
    return s;
  }
  function theme() {
    var scheme = d.root.dataset.theme || (dark.matches ? "dark" : "light");
    return cfg.themes ? cfg.themes[scheme] : scheme;
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

  // The provider's adapter makes its widget's elements in the thread's place,
  // from the section's data-* (the thread), the head's og:title and canonical
  // link (the post's title, and its URL where the section gives none), which
  // the theme writes before anything a post's body holds, and the settings; a
  // custom provider's embed is its template, inert until now.
  function embed() {
    var data = section.dataset, box = $("[data-discussion-thread]", section);
    var title = $("head>meta[property='og:title']"), url = data.discussionUrl || $("head>link[rel=canonical]").href;
    var form = $("[data-discussion-form]", section);
    if (form) form.remove(); // the widget's own form replaces the link to the plain one
    sync.applied = theme();
    if (adapted) {
      var adapter = d.adapters[provider];
      if (adapter) sync.send = adapter({ id: data.discussionId, title: title ? title.content : doc.title, url: url }, box);
      return;
    }
    var content = doc.importNode($("template[data-discussion-embed]", section).content, true);
    content.querySelectorAll("script").forEach(function (old) {
      var attrs = {};
      for (var i = 0; i < old.attributes.length; i++) attrs[old.attributes[i].name] = old.attributes[i].value;
      old.replaceWith(script(attrs));
    });
    // Nothing says when a custom widget is ready: it replaces the snapshot now.
    var snapshot = $("[data-discussion-snapshot]", section);
    if (snapshot) snapshot.remove();
    box.appendChild(content);
  }

  // Remembers the reader's choice or forgets it (storage blocked: this page only).
  function remember(yes) {
    try {
      if (yes) localStorage.setItem(cfg.storageKey, "yes");
      else localStorage.removeItem(cfg.storageKey);
    } catch (e) {}
  }

  function load() {
    if (section.dataset.discussionLoaded) return;
    section.dataset.discussionLoaded = "true";
    // The styles of what this and watch.js write; none of it is on the page before.
    add(element("link", { rel: "stylesheet", href: d.base + "css/discussion.css" }));
    // The widget's place, right after the consent gate (a theme may write its own).
    if (!$("[data-discussion-thread]", section)) {
      $("[data-discussion-gate]", section).after(element("div", { class: "discussion-thread", "data-discussion-thread": "" }));
    }
    if (d.remember) remember(true);
    if (cfg.mode === "consent" && (d.remember || d.store())) offerForget();
    add(script({ src: d.asset("watch") }));
    if (!adapted) return embed();
    var s = script({ src: d.asset(provider) });
    s.onload = embed; // an adapter that fails to load: watch.js says so after its wait
    add(s);
  }

  // While the choice is remembered, under the thread: a way to forget it.
  function offerForget() {
    if (!cfg.label) return; // the site does not offer to remember
    var p = doc.createElement("p"), button = doc.createElement("button");
    p.className = "discussion-forget";
    p.setAttribute("data-discussion-forget", "");
    p.textContent = "Comments from " + cfg.label + " load without asking on this site. ";
    button.type = "button";
    button.setAttribute("data-discussion-forget-button", "");
    button.textContent = "Ask me again";
    button.addEventListener("click", function () {
      remember(false);
      p.textContent = "Done: this site will ask before loading comments again.";
      p.setAttribute("role", "status");
    });
    p.appendChild(button);
    $("[data-discussion-thread]", section).after(p);
  }

  doc.addEventListener("commons:themechange", applyTheme);
  dark.addEventListener("change", applyTheme);
  d.live();
})(window.commonsDiscussion);
