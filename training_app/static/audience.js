// Follow the presenter: when the presenter moves to another slide, show it.
(function () {
  var body = document.body;
  if (!window.fetch) return;
  setInterval(function () {
    fetch(body.dataset.source, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && String(data.slide) !== body.dataset.slide) window.location.reload();
      })
      .catch(function () {});
  }, 2000);
})();
