// Copy buttons: <button data-copy="ID" data-copied="STATUS-ID" hidden> copies the value
// (or text) of the element with that id and says so in the status element. The buttons
// stay hidden where the browser cannot copy: the text is still there to select by hand.
(function () {
  if (!navigator.clipboard || !window.isSecureContext) return;
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    const source = document.getElementById(button.dataset.copy);
    const status = document.getElementById(button.dataset.copied || "");
    if (!source) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      const text = "value" in source ? source.value : source.textContent;
      navigator.clipboard.writeText(text).then(
        function () {
          if (status) status.textContent = "Copied.";
        },
        function () {
          // Refused (no permission): select it, so that copying by hand is one step.
          if (source.select) source.select();
          if (status) status.textContent = "Copy it by hand: it is selected.";
        }
      );
    });
  });
})();
