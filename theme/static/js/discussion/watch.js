/* Loaded by discussion/live.js with the widget, after consent: when the provider's
   script fails, or the widget gives no sign of life (the adapter's ready)
   within 20 s, says so above the comment snapshot (which stays in view)
   and offers to try again. README "Markup interface":
   [data-discussion-error], [data-discussion-retry]. */
(function (d) {
  "use strict";
  var section = d.section, thread = d.$("[data-discussion-thread]", section), wait;
  var ready = d.ready;
  d.ready = function () { clearTimeout(wait); ready(); };
  function arm() { if (d.adapted) wait = setTimeout(failed, 2e4); }
  function failed() {
    clearTimeout(wait);
    if (d.sync.ready || d.$("[data-discussion-error]", section)) return;
    var box = document.createElement("p"), button = document.createElement("button");
    box.setAttribute("data-discussion-error", "");
    box.setAttribute("role", "alert");
    box.textContent = "The comments could not be loaded: the comment service did not answer. ";
    button.type = "button";
    button.className = "discussion-retry";
    button.setAttribute("data-discussion-retry", "");
    button.textContent = "Try again";
    button.addEventListener("click", function () {
      box.remove();
      thread.replaceChildren();
      thread.hidden = false;
      arm();
      d.embed();
    });
    box.className = "discussion-error";
    box.appendChild(button);
    thread.hidden = true;
    // The snapshot stays (or is shown again): the error goes above it.
    var snapshot = d.$("[data-discussion-snapshot]", section);
    if (snapshot) { snapshot.hidden = false; snapshot.before(box); }
    else thread.after(box);
  }
  // Every script the widget puts in the thread: its failure is the widget's.
  function watch(node) { if (node.nodeName === "SCRIPT") node.addEventListener("error", failed); }
  thread.querySelectorAll("script").forEach(watch); // a custom embed is already there
  new MutationObserver(function (records) {
    records.forEach(function (record) { record.addedNodes.forEach(watch); });
  }).observe(thread, { childList: true, subtree: true });
  arm();
})(window.commonsDiscussion);
