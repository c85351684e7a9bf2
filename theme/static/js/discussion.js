/* The discussion's second step, docs/theme.md "Markup interface": theme.js
   inserts this script once there is work to do (the reader agreed, now or
   before, the site's mode loads comments without asking, or counts may
   load). It loads discussion/live.js, which brings the thread and the
   comment counts, now or, in mode lazy, when the thread nears the viewport. */
(function () {
  "use strict";
  // Found by position, never by id or name, which a post could forge.
  var doc = document, win = window;
  function get(n) { return Object.getOwnPropertyDescriptor(Document.prototype, n).get.call(doc); }
  var me = get("currentScript"), node = me.previousElementSibling, root = get("documentElement");
  if (!node || !node.matches("script[data-discussion-config]") ||
      ({}).hasOwnProperty.call(win, "commonsDiscussion")) return;
  var cfg = JSON.parse(node.textContent), mode = cfg.mode;
  // The reader's click, handed over by theme.js as a property of this
  // element: markup can set attributes, never that.
  var consent = me.commonsConsent;
  var section = node.parentNode.matches("main>section[data-discussion-provider]") ? node.parentNode : null;
  var base = me.src.replace(/js\/discussion\.js(\?.*)?$/, "");
  var d = win.commonsDiscussion = {
    config: cfg, section: section, adapters: {}, $: $, root: root, store: store, asset: asset,
    base: base, remember: !!(consent && consent.remember)
  };

  function $(s, scope) { return (scope || root).querySelector(s); }
  function asset(name) { return base + "js/discussion/" + name + ".js"; }
  // The reader's remembered choice (live.js writes it).
  function store() {
    try { return localStorage.getItem(cfg.storageKey) === "yes"; } catch (e) { return false; }
  }
  // live.js does what d.thread (load the thread) and d.counts (fill the
  // count slots) ask for when it runs, and again at each d.live().
  function live(thread) {
    if (thread) d.thread = true;
    if (d.live) return d.live();
    if (d.loading) return;
    var s = doc.createElement("script");
    d.loading = true;
    s.src = asset("live");
    doc.head.appendChild(s);
  }

  // "thread" when the thread loads now; in mode lazy, it loads when seen.
  function when() {
    if (!section || !$(":scope>[data-discussion-gate]", section)) return;
    if (consent || store() || mode === "eager" || (mode === "lazy" && !win.IntersectionObserver)) return "thread";
    if (mode !== "lazy") return;
    var seen = new IntersectionObserver(function (entries) {
      if (entries[0].isIntersecting) { seen.disconnect(); live(true); }
    }, { rootMargin: "600px 0px" });
    seen.observe(section);
  }

  // Counts load under the same rule as threads: not before consent.
  d.counts = !!($("[data-discussion-count]") && (mode !== "consent" || store()));
  var now = when() === "thread";
  if (now || d.counts) live(now);
})();
