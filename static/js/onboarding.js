/*
 * Customer Onboarding wizard: progressive enhancement only. Every rule (the incident gate, the
 * users available, the appliance addresses) is checked again on the server; without JavaScript
 * the wizard still works, it just shows every section.
 */
(function () {
  "use strict";

  var FORM_ID = "wizard-form";

  function wizardForm() {
    return document.getElementById(FORM_ID);
  }

  function checkedValue(form, name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }

  // <div data-reveal-when="deployment-deployment=virtual"> shows only while that radio is chosen;
  // "a=x,y;b=z" shows while a is x or y, or b is z.
  function syncReveals(form) {
    form.querySelectorAll("[data-reveal-when]").forEach(function (el) {
      var show = el.dataset.revealWhen.split(";").some(function (condition) {
        var parts = condition.split("=");
        return parts[1].split(",").indexOf(checkedValue(form, parts[0])) !== -1;
      });
      el.classList.toggle("d-none", !show);
    });
  }

  // The incident gate: "Yes" shows how to reach incident response; "No" reveals the rest of the
  // form in place (htmx posts the step, the server validates it and answers with the next one).
  function syncIncident(form, fromUser) {
    var value = checkedValue(form, "incident-incident");
    var guidance = form.querySelector("[data-incident-guidance]");
    var next = form.querySelector("[data-incident-continue]");
    if (guidance) guidance.classList.toggle("d-none", value !== "yes");
    if (next) next.classList.toggle("d-none", value === "yes");
    if (fromUser && value) {
      // Answered: the "answer the question" error (and its summary) no longer applies.
      form.querySelectorAll("[data-incident-error], [data-error-summary]").forEach(function (el) {
        el.classList.add("d-none");
      });
      form.querySelectorAll(".incident-choices .choice-card.is-invalid").forEach(function (el) {
        el.classList.remove("is-invalid");
      });
    }
    if (fromUser && value === "no" && window.htmx) {
      window.htmx.trigger(form, "lmp:incident-no");
    }
  }

  function init(root) {
    var form = wizardForm();
    if (!form || (root && root !== document && !root.contains(form) && root !== form)) return;
    syncReveals(form);
    syncIncident(form, false);
    delete form.dataset.submitting;
  }

  document.addEventListener("change", function (event) {
    var form = wizardForm();
    if (!form || !form.contains(event.target)) return;
    syncReveals(form);
    if (event.target.name === "incident-incident") syncIncident(form, true);
  });

  // One click on Submit sends one request: the button is disabled once the browser has taken the
  // form's values (the server also recognises a repeated submit of the same wizard).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== FORM_ID) return;
    var button = event.submitter;
    if (!button || !button.hasAttribute("data-final-submit")) return;
    if (form.dataset.submitting === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "1";
    window.setTimeout(function () {
      button.disabled = true;
      button.querySelector("[data-submit-spinner]")?.classList.remove("d-none");
    }, 0);
  });

  // After a step loads (a full page or an htmx swap), move focus to where a keyboard or screen
  // reader user needs it: the error summary when the step shows errors, else the step's heading.
  function focusStep() {
    var wrapper = document.getElementById("onboarding-wizard");
    if (!wrapper) return;
    var target = wrapper.querySelector("[data-error-summary]") || wrapper.querySelector("[data-step-heading]");
    if (target) target.focus({ preventScroll: false });
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "onboarding-wizard") focusStep();
  });

  if (window.htmx) {
    window.htmx.onLoad(init);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); focusStep(); });
  } else {
    init(document);
    focusStep();
  }
})();
