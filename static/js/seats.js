/* Remaining users, live: the one client-side reader of the seat policy (licenses/policy.py).
   The page serialises the policy's figures into data attributes; nothing here decides a limit.
   - [data-seats-pool] box: data-seats-input (the count's input id), data-seats-available
     (unallocated + what the customer holds), data-seats-held. Shows available - typed (a number
     that is not a whole number counts as what is held) in [data-seats-remaining], a note in
     [data-seats-note], and .is-over when negative.
   - input[data-seats-max-from]: a count bounded by another input (SAT users <= tier users); it
     gets .is-over-pool while above it.
   No inline handlers (the Content-Security-Policy forbids them). The server checks everything again.
   Text in the page's language: gettext/interpolate from the JavaScript catalogue (its script comes
   first); numbers as the server writes them (numbers.js, loaded before this script). */
(function () {
  "use strict";

  var WHOLE = /^\s*-?\d+\s*$/;
  var number = window.lmpNumbers;
  // The catalogue's functions; a page without its script still works, in English.
  var gettext = window.gettext || function (text) { return text; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\(\w+\)s/g, function (match) { return values[match.slice(2, -2)]; });
  };

  function typed(input, fallback) {
    return input && WHOLE.test(input.value) ? parseInt(input.value, 10) : fallback;
  }

  function updateBox(box) {
    var input = document.getElementById(box.dataset.seatsInput);
    if (!input) { return; }
    var available = parseInt(box.dataset.seatsAvailable, 10);
    var held = parseInt(box.dataset.seatsHeld, 10) || 0;
    var remaining = available - typed(input, held);
    var value = box.querySelector("[data-seats-remaining]");
    var note = box.querySelector("[data-seats-note]");
    if (value) { value.textContent = number.count(remaining); }
    if (note) {
      note.textContent = remaining < 0
        ? interpolate(gettext("%(count)s more than available"), {count: number.count(-remaining)}, true)
        : gettext("after this change");
    }
    box.classList.toggle("is-over", remaining < 0);
  }

  function updateBounded(input) {
    var bound = document.getElementById(input.dataset.seatsMaxFrom);
    if (!bound) { return; }
    var max = typed(bound, NaN);
    var value = typed(input, NaN);
    input.classList.toggle("is-over-pool", !isNaN(max) && !isNaN(value) && value > max);
  }

  function updateAll() {
    document.querySelectorAll("[data-seats-pool]").forEach(updateBox);
    document.querySelectorAll("input[data-seats-max-from]").forEach(updateBounded);
  }

  document.addEventListener("input", function (event) {
    if (event.target && event.target.id) { updateAll(); }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", updateAll);
  } else {
    updateAll();
  }
})();
