/* Disqus adapter for discussion.js
   (https://help.disqus.com/en/articles/1717112-universal-embed-code):
   disqus_config from the thread, then Disqus' thread element and script;
   ready on Disqus' onReady. Disqus takes its colours from the page when it loads, so a
   scheme change reloads it. */
(function (d) {
  "use strict";
  d.adapters.disqus = function (thread, box) {
    var cfg = d.config.disqus;
    window.disqus_config = function () {
      this.page.identifier = thread.id;
      this.page.url = d.absolute(thread.url);
      this.page.title = thread.title;
      this.language = cfg.language;
      this.callbacks.onReady = [d.ready];
    };
    box.append(d.element("div", { id: "disqus_thread" }), d.script({ src: cfg.src }));
    return function () {
      if (window.DISQUS) window.DISQUS.reset({ reload: true, config: window.disqus_config });
    };
  };
})(window.commonsDiscussion);
