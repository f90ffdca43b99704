// Refresh the cohort board's numbers every 15 seconds while the page is open.
(function () {
  var table = document.getElementById("board");
  if (!table || !window.fetch) return;
  var slidesTotal = null, casesTotal = null;
  function tick() {
    fetch(table.dataset.source, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        data.rows.forEach(function (row) {
          var tr = table.querySelector('tr[data-person="' + row.id + '"]');
          if (!tr) return;
          var cell = function (name) { return tr.querySelector('[data-field="' + name + '"]'); };
          var slides = cell("slides"), cases = cell("case_studies");
          // a learner present at a classroom session shows that instead of counts
          if (slides) slides.textContent = row.slides + " / " + slides.textContent.split("/")[1].trim();
          if (cases) cases.textContent = row.case_studies + " / " + cases.textContent.split("/")[1].trim();
          cell("attempts").textContent = row.attempts;
          cell("best").textContent = row.best === null ? "–" : row.best + "%";
          cell("completed").textContent = row.completed ? "✓" : "–";
        });
      })
      .catch(function () {});
  }
  setInterval(tick, 15000);
})();
