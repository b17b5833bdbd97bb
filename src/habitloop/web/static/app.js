// Today's forms work without this script (a post and a redirect); with it, a form's answer
// replaces the plan in place, focus moves to the item it concerned and a screen reader hears
// what happened.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function announce(text) {
    var live = document.getElementById("announce");
    if (live) { live.textContent = ""; window.setTimeout(function () { live.textContent = text; }, 50); }
  }

  function textOf(html) {
    return new DOMParser().parseFromString(html, "text/html").body.textContent.trim();
  }

  function showReasonFields(scope) {
    scope.querySelectorAll("form.answer").forEach(function (form) {
      var checked = form.querySelector('input[name="status"]:checked');
      var reason = form.querySelector(".skip-reason");
      if (reason) { reason.hidden = !checked || checked.value === "completed"; }
    });
  }

  function focusOn(id) {
    var item = id ? document.getElementById(id) : null;
    var target = item ? (item.querySelector("h2, h3") || item) : document.querySelector("#plan h2, #plan h3");
    if (target) { target.focus(); }
  }

  async function send(form) {
    var plan = document.getElementById("plan");
    var button = form.querySelector('button[type="submit"]');
    var error = form.querySelector(".form-error");
    if (button) { button.disabled = true; }
    try {
      var response = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { "X-Habitloop-Fragment": "1", "X-CSRF-Token": csrfToken() },
        credentials: "same-origin"
      });
      var html = await response.text();
      if (!response.ok) {
        if (error) { error.textContent = textOf(html) || "That did not work: try again."; }
        return;
      }
      plan.innerHTML = html;
      showReasonFields(plan);
      focusOn(response.headers.get("X-Focus"));
      announce(form.classList.contains("swap") ? "Swapped: here is another task." : "Saved.");
    } catch (failure) {
      if (error) { error.textContent = "No connection to habitloop: try again."; }
    } finally {
      if (button && button.isConnected) { button.disabled = false; }
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-fragment")) { return; }
    event.preventDefault();
    send(form);
  });

  document.addEventListener("change", function (event) {
    if (event.target.name === "status") { showReasonFields(event.target.form); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    showReasonFields(document);
  });
}());
