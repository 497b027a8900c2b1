/* License pages: an htmx-friendly search form (the edit page's live counters are js/seats.js).
   No inline handlers (the Content-Security-Policy forbids them): everything hangs off data- attributes. */
(function () {
  "use strict";

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
})();
