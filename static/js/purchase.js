/* Purchase page: the price per user, the monthly amount added, the new commitment and the new
   monthly total, live as the user types. The page puts each tier's figures on its <option>
   (data-price, data-commitment, data-currency); nothing here decides a price: the server computes
   the same on submit. No inline handlers (the Content-Security-Policy forbids them).
   Numbers and amounts are written as lmp.core.l10n writes them on the server: the separators of
   the page's language (numbers.js, loaded before this script, reads the JavaScript catalogue's
   get_format) and the sign's place from the catalogue ("$9.25 CAD", "9,25 $ CAD"). */
(function () {
  "use strict";

  var WHOLE = /^\s*\d+\s*$/;
  var NBSP = "\u00a0";
  // The JavaScript catalogue (its script comes first) gives the words; English if it is missing.
  var catalogue = typeof pgettext === "function";
  var count = window.lmpNumbers.count;  // a whole number, its thousands grouped: "1,990"
  var DECIMAL = window.lmpNumbers.decimalSeparator();

  // Cents as integers, so 19.99 × 3 is 59.97 and not 59.969999….
  function cents(text) {
    var parts = String(text).split(".");
    var whole = parseInt(parts[0], 10) || 0;
    var fraction = ((parts[1] || "") + "00").slice(0, 2);
    return whole * 100 + parseInt(fraction, 10);
  }

  function amount(totalCents, currency) {
    var number = count(Math.floor(totalCents / 100)) + DECIMAL + String(100 + (totalCents % 100)).slice(1);
    // Translators: the same entry as lmp.core.l10n.money's: French "{amount} $".
    var sign = catalogue ? pgettext("money", "${amount}") : "${amount}";
    var text = sign.replace("{amount}", number).replace(/ /g, NBSP);
    return text + NBSP + currency;
  }

  function update(form) {
    var select = form.querySelector("[data-purchase-tier]");
    var input = form.querySelector("[data-purchase-users]");
    var summary = document.querySelector("[data-purchase-summary]");
    if (!select || !input || !summary) { return; }
    var option = select.options[select.selectedIndex];
    var price = option.dataset.price;
    var currency = option.dataset.currency;
    var commitment = parseInt(option.dataset.commitment, 10) || 0;
    var users = WHOLE.test(input.value) ? parseInt(input.value, 10) : null;
    function set(name, text) {
      var el = summary.querySelector("[data-purchase-" + name + "]");
      if (el) { el.textContent = text; }
    }
    set("price", price ? amount(cents(price), currency) : "—");
    set("commitment", count(commitment));
    if (!price || users === null || users < 1) {
      set("added", "—");
      set("new-commitment", "—");
      set("new-total", "—");
      return;
    }
    var unit = cents(price);
    set("added", amount(unit * users, currency));
    set("new-commitment", count(commitment + users));
    set("new-total", amount(unit * (commitment + users), currency));
  }

  document.querySelectorAll("[data-purchase-form]").forEach(function (form) {
    form.addEventListener("input", function () { update(form); });
    form.addEventListener("change", function () { update(form); });
    update(form);
  });
})();
