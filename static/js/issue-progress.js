// Follows "issue certificates for everyone eligible": updates the count and the bar, and
// reloads the page for the result once nothing is left to issue. Without JavaScript the
// page refreshes itself (a <noscript> meta refresh) and has a "Check again" link.
(function () {
  const box = document.getElementById("issuing");
  if (!box || box.dataset.finished === "true") return;
  const url = box.dataset.statusUrl;
  const issued = document.getElementById("issuing-issued");
  const bar = document.getElementById("issuing-progress");

  function poll() {
    fetch(url, { headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then((state) => {
        issued.textContent = state.issued;
        bar.value = state.issued;
        bar.textContent = Math.round((100 * state.issued) / state.total) + "%";
        if (state.finished) window.location.reload();
        else setTimeout(poll, 1500);
      })
      .catch(() => setTimeout(poll, 5000));
  }
  setTimeout(poll, 1000);
})();
