/* The discussion's first step, docs/theme.md "Markup interface": shows the
   consent gate. discussion/live.js, which brings the thread and the comment
   counts, loads only once comments may load: the reader agreed (now or
   before, remembered) or the site's mode loads them without asking. */
(function () {
  "use strict";
  // Found by position, never by id or name, which a post could forge.
  var doc = document, win = window;
  function get(n) { return Object.getOwnPropertyDescriptor(Document.prototype, n).get.call(doc); }
  var me = get("currentScript"), node = me.previousElementSibling, root = get("documentElement");
  if (!node || !node.matches("script[data-discussion-config]") ||
      ({}).hasOwnProperty.call(win, "commonsDiscussion")) return;
  var cfg = JSON.parse(node.textContent), mode = cfg.mode;
  var section = $("main>section[data-discussion-provider]");
  var d = win.commonsDiscussion = {
    config: cfg, section: section, adapters: {}, $: $, root: root, store: store, asset: asset
  };

  function $(s, scope) { return (scope || root).querySelector(s); }
  function asset(name) { return me.src.replace(/discussion\.js(\?.*)?$/, "discussion/" + name + ".js"); }
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

  function gate() {
    if (!section || !$("template[data-discussion-embed]", section)) return;
    if (mode === "eager" || (mode === "lazy" && !win.IntersectionObserver)) return "thread";
    if (mode === "lazy") {
      var seen = new IntersectionObserver(function (entries) {
        if (entries[0].isIntersecting) { seen.disconnect(); live(true); }
      }, { rootMargin: "600px 0px" });
      return seen.observe(section);
    }
    if (store()) return "thread";
    var box = $("[data-discussion-gate]", section);
    box.hidden = false;
    $("[data-discussion-load]", box).addEventListener("click", function () {
      var keep = $("[data-discussion-remember]", box);
      d.remember = keep && keep.checked;
      box.hidden = true;
      live(true);
      var heading = $("h2", section);
      if (heading) { heading.tabIndex = -1; heading.focus(); }
    });
  }

  // Counts load under the same rule as threads: not before consent.
  d.counts = !!(cfg.counts && $("[data-discussion-count]") && (mode !== "consent" || store()));
  var now = gate() === "thread";
  if (now || d.counts) live(now);
})();
