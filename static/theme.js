// Runs before first paint (a classic script in <head>): applies the remembered theme, or the
// system's, so the page never flashes the wrong colours. static/app.js owns the toggle.
(function () {
  "use strict";
  var stored = null;
  try {
    stored = window.localStorage.getItem("inspector.theme");
  } catch (err) {
    stored = null; // storage disabled: follow the system
  }
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  var theme = stored === "light" || stored === "dark" ? stored : dark ? "dark" : "light";
  document.documentElement.dataset.theme = theme;
  document.documentElement.dataset.themeSource = stored ? "user" : "system";
})();
