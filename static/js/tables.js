// Tables become stacked cards on a phone (static/css/balint.css): each cell is labelled
// with its column header here, so no template labels its cells by hand. A table that must
// stay tabular carries the class "table-tabular" and is left alone.
//
// A table shown with CSS display other than "table" loses its table semantics in some
// screen readers, so the roles are set explicitly: headers stay announced with each cell.
(function () {
  "use strict";

  // The header's visible words: "Actions" that only a screen reader hears is no label.
  function visibleText(cell) {
    const copy = cell.cloneNode(true);
    copy.querySelectorAll(".visually-hidden").forEach((hidden) => hidden.remove());
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  function headerLabels(table) {
    const row = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    const labels = [];
    if (!row) return labels;
    for (const cell of row.cells) {
      for (let span = 0; span < cell.colSpan; span += 1) labels.push(visibleText(cell));
    }
    return labels;
  }

  function setRoles(table) {
    table.setAttribute("role", "table");
    for (const group of [table.tHead, ...table.tBodies, table.tFoot]) {
      if (!group) continue;
      group.setAttribute("role", "rowgroup");
      for (const row of group.rows) {
        row.setAttribute("role", "row");
        for (const cell of row.cells) {
          if (cell.tagName === "TD") cell.setAttribute("role", "cell");
          else if (cell.getAttribute("scope") === "row") cell.setAttribute("role", "rowheader");
          else cell.setAttribute("role", "columnheader");
        }
      }
    }
  }

  function label(table) {
    const labels = headerLabels(table);
    if (!labels.length) return;
    setRoles(table);
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        let column = 0;
        for (const cell of row.cells) {
          // A cell across several columns ("No sessions yet.") speaks for itself.
          const text = cell.colSpan === 1 ? labels[column] : "";
          if (text && cell.tagName === "TD") cell.dataset.label = text;
          column += cell.colSpan;
        }
      }
    }
  }

  document.querySelectorAll("table.table:not(.table-tabular)").forEach(label);
})();
