/* Disqus adapter for discussion.js: disqus_config from the thread; ready on
   Disqus' onReady. Disqus takes its colours from the page when it loads, so a
   scheme change reloads it. */
(function (d) {
  "use strict";
  d.adapters.disqus = function (thread) {
    window.disqus_config = function () {
      this.page.identifier = thread.id;
      this.page.url = d.absolute(thread.url);
      this.page.title = thread.title;
      this.language = d.config.disqus.language;
      this.callbacks.onReady = [d.ready];
    };
    return function () {
      if (window.DISQUS) window.DISQUS.reset({ reload: true, config: window.disqus_config });
    };
  };
})(window.commonsDiscussion);
