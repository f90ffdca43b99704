/* A print button: the page's own print stylesheet leaves out everything but the sheet. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
}());
