/*
 * Copy to the clipboard, for any page. A button
 *
 *   <button type="button" data-copy-target="#id" data-copy-status="#status-id"
 *           data-copy-done="Copied." data-copy-manual="Press Ctrl+C to copy it." hidden>
 *
 * copies the text of #id (a form field's value, else the text as shown). It is hidden until this
 * script shows it, so a page without JavaScript offers no button that does nothing. The element
 * named by data-copy-status (a role="status" region) then says data-copy-done; where the
 * clipboard API is missing or refused (an http:// page, a browser setting), the text is selected
 * instead and it says data-copy-manual. The template gives both sentences, translated; the
 * fallbacks below are in the page's language when it loads the catalogue (jsi18n), else English.
 */
(function () {
  "use strict";

  // Whether the page loaded the catalogue ({% url 'javascript-catalog' %}): gettext is global.
  function translated() { return typeof window.gettext === "function"; }

  function reveal(root) {
    root.querySelectorAll("[data-copy-target][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function textOf(element) {
    if (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement) {
      return element.value;
    }
    return element.innerText.trim();
  }

  function select(element) {
    if (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement) {
      element.focus();
      element.select();
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function say(button, sentence) {
    var status = button.dataset.copyStatus && document.querySelector(button.dataset.copyStatus);
    if (!status) return;
    status.textContent = "";
    // A fresh text node, so a second click is announced again.
    window.setTimeout(function () { status.textContent = sentence; }, 50);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var target = document.querySelector(button.dataset.copyTarget);
    if (!target) return;
    function byHand() {
      select(target);
      say(button, button.dataset.copyManual || (translated()
        ? gettext("Press Ctrl+C (\u2318C on a Mac) to copy it.")
        : "Press Ctrl+C (\u2318C on a Mac) to copy it."));
    }
    if (!navigator.clipboard || !window.isSecureContext) {
      byHand();
      return;
    }
    navigator.clipboard.writeText(textOf(target)).then(function () {
      say(button, button.dataset.copyDone || (translated() ? gettext("Copied.") : "Copied."));
    }, byHand);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  } else {
    reveal(document);
  }
})();
