/* License pages: live "remaining" counters on the edit page, and an htmx-friendly search form.
   No inline handlers (the Content-Security-Policy forbids them): everything hangs off data- attributes. */
(function () {
  "use strict";

  var WHOLE = /^\s*-?\d+\s*$/;
  var number = new Intl.NumberFormat("en-US");

  // [data-remaining] boxes: remaining = data-available - (typed number, or data-current if not a number).
  function updateRemaining(box) {
    var input = document.getElementById(box.dataset.input);
    if (!input) { return; }
    var available = parseInt(box.dataset.available, 10);
    var current = parseInt(box.dataset.current, 10);
    var wanted = WHOLE.test(input.value) ? parseInt(input.value, 10) : current;
    var remaining = available - wanted;
    var value = box.querySelector("[data-remaining-value]");
    var note = box.querySelector("[data-remaining-note]");
    if (value) { value.textContent = number.format(remaining); }
    if (note) {
      note.textContent = remaining < 0
        ? number.format(-remaining) + " more than available"
        : "after this change";
    }
    box.classList.toggle("is-over", remaining < 0);
  }

  function updateAll(root) {
    (root || document).querySelectorAll("[data-remaining]").forEach(updateRemaining);
  }

  document.addEventListener("input", function (event) {
    var id = event.target && event.target.id;
    if (!id) { return; }
    document.querySelectorAll("[data-remaining]").forEach(function (box) {
      if (box.dataset.input === id) { updateRemaining(box); }
    });
  });

  // Enter in the search box: let htmx refresh the table instead of reloading the page. The export
  // button (formaction) still submits normally, so the download honours the same search.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "customer-filter" || !window.htmx) { return; }
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("formaction")) { return; }
    event.preventDefault();
    var search = form.querySelector("input[name=q]");
    if (search) { window.htmx.trigger(search, "search"); }
  });

  // A filter the server found invalid (an unknown ?status= in the URL) stops being marked so once
  // a value is picked from the list; the message beside it goes with the table's refresh.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field.form || field.form.id !== "customer-filter") { return; }
    field.classList.remove("is-invalid");
    field.removeAttribute("aria-invalid");
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { updateAll(); });
  } else {
    updateAll();
  }
})();
