// Polls a running job and reloads the page when it has finished, to show its result.
(function () {
  var box = document.getElementById("job");
  if (!box || box.dataset.finished === "1") return;
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        document.getElementById("job-state").textContent = s.state_label;
        document.getElementById("job-bar").style.width = s.percent + "%";
        document.querySelector("[role=progressbar]").setAttribute("aria-valuenow", s.percent);
        document.getElementById("job-count").textContent = s.percent + "% (" + s.progress + "/" + s.total + ")";
        if (s.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
