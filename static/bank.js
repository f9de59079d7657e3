// The site's one script, loaded by every page (the Content-Security-Policy admits no inline script).

// One click, one request: a form marked data-once disables its button when sent.
// (Its request id makes a second send harmless anyway.)
document.querySelectorAll("form[data-once]").forEach(function (form) {
  form.addEventListener("submit", function () {
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  });
});
