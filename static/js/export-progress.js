// Polls the export's status and updates the progress bar until it is done.
(function () {
  const box = document.getElementById("export");
  if (!box) return;
  const url = box.dataset.statusUrl;
  const label = document.getElementById("export-label");
  const done = document.getElementById("export-done");
  const bar = document.getElementById("export-progress");
  const message = document.getElementById("export-message");

  function show(state) {
    label.textContent = state.label;
    done.textContent = state.done;
    bar.value = state.done;
    bar.max = state.total;
    if (state.download) {
      message.replaceChildren();
      const link = document.createElement("a");
      link.className = "btn btn-primary";
      link.href = state.download;
      link.textContent = "Download the ZIP";
      message.appendChild(link);
      return true;
    }
    if (state.status === "failed") {
      message.textContent = "The export failed: " + state.error;
      return true;
    }
    return false;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" } })
      .then((response) => response.json())
      .then((state) => { if (!show(state)) setTimeout(poll, 1500); })
      .catch(() => setTimeout(poll, 5000));
  }
  if (!message.querySelector("a")) setTimeout(poll, 1000);
})();
