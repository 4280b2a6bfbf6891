// Chinese, Japanese and Korean are typed by composing: several keystrokes make one word, and
// each fires an input event. An htmx search on "input changed delay:…" would then ask for half a
// word. While a composition is open its requests are held; when it ends, one input event is sent.
(function () {
  "use strict";
  let composing = false;
  document.addEventListener("compositionstart", function () { composing = true; }, true);
  document.addEventListener("compositionend", function (event) {
    composing = false;
    event.target.dispatchEvent(new Event("input", { bubbles: true }));
  }, true);
  document.addEventListener("htmx:confirm", function (event) {
    if (composing || (event.detail.triggeringEvent && event.detail.triggeringEvent.isComposing)) {
      event.preventDefault();
    }
  });
})();
