// The site's one script, loaded by every page (the Content-Security-Policy admits no inline script).
// Every page works without it.

(function () {
  "use strict";

  // One click, one request: a form marked data-once disables its buttons when sent.
  // (Its request id makes a second send harmless anyway.)
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      // After the browser has read which button was pressed ("Change" sends its name).
      setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });

  // A form sent back with errors: its summary takes focus, so that it is read first.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  // A request being carried out: its status updates in place (a live region), the title
  // with it; focus stays where the teller left it.
  var status = document.querySelector("[data-poll]");
  if (status) {
    var poll = function () {
      fetch(status.dataset.poll, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          if (!answer) { setTimeout(poll, 3000); return; }
          if (status.textContent.trim() !== answer.text) { status.textContent = answer.text; }
          status.className = "status " + answer.status;
          document.title = answer.title;
          if (answer.final) {
            var hint = document.getElementById("refresh-hint");
            if (hint) { hint.remove(); }
          } else {
            setTimeout(poll, 1000);
          }
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 500);
  }
})();
