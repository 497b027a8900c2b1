/* Numbers as lmp.core.l10n writes them on the server, for the pages' scripts (seats.js,
   purchase.js): the separators of the page's language from the JavaScript catalogue's get_format
   (its script comes first), so a figure the script rewrites keeps the server's text ("1,990",
   French "1 990" with U+202F). Not Intl.NumberFormat: the browser's French groups with U+00A0.
   English if the catalogue is missing. */
(function () {
  "use strict";

  var ENGLISH = { DECIMAL_SEPARATOR: ".", THOUSAND_SEPARATOR: "," };

  function format(name) {
    var value = typeof window.get_format === "function" ? window.get_format(name) : null;
    return value || ENGLISH[name];
  }

  // A whole number with its thousands grouped, its sign first: "1,990", "-110", "1 990".
  function count(n) {
    var digits = String(Math.abs(Math.trunc(n)));
    var separator = format("THOUSAND_SEPARATOR");
    var out = "";
    while (digits.length > 3) {
      out = separator + digits.slice(-3) + out;
      digits = digits.slice(0, -3);
    }
    return (n < 0 ? "-" : "") + digits + out;
  }

  window.lmpNumbers = {
    count: count,
    decimalSeparator: function () { return format("DECIMAL_SEPARATOR"); }
  };
})();
