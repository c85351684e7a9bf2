/* Loaded by discussion.js when the comments cannot load (a script failed, or
   the widget gave no sign of life in time): says so, and offers to try again.
   README "Markup interface": [data-discussion-error], [data-discussion-retry]. */
(function (d) {
  "use strict";
  var section = d.section, thread = d.$("[data-discussion-thread]", section);
  if (d.sync.ready || d.$("[data-discussion-error]", section)) return;
  var box = document.createElement("p"), button = document.createElement("button");
  box.setAttribute("data-discussion-error", "");
  box.setAttribute("role", "alert");
  box.textContent = "The comments could not be loaded: the comment service did not answer. ";
  button.type = "button";
  button.setAttribute("data-discussion-retry", "");
  button.textContent = "Try again";
  button.addEventListener("click", function () {
    box.remove();
    thread.replaceChildren();
    thread.hidden = false;
    d.start();
  });
  box.appendChild(button);
  thread.hidden = true;
  thread.after(box);
})(window.commonsDiscussion);
