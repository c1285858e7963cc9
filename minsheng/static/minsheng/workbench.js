/* Workbench keys for the queue page: j/k move between rows, x selects, Enter opens, / searches.
   The page works without this file: every row has a link and a labelled checkbox. */
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.queue-rows tbody tr[data-href]"));
  var current = -1;

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || (target && target.isContentEditable);
  }

  function focusRow(i) {
    if (!rows.length) { return; }
    i = Math.max(0, Math.min(rows.length - 1, i));
    if (current >= 0 && rows[current]) { rows[current].classList.remove("focus"); }
    current = i;
    var row = rows[i];
    row.classList.add("focus");
    row.setAttribute("tabindex", "-1");
    row.focus();
  }

  rows.forEach(function (row, i) {
    row.addEventListener("focusin", function () {
      if (current !== i) {
        if (current >= 0 && rows[current]) { rows[current].classList.remove("focus"); }
        current = i;
        row.classList.add("focus");
      }
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (typing(event.target)) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    var row = current >= 0 ? rows[current] : null;
    switch (event.key) {
      case "j": focusRow(current + 1); break;
      case "k": focusRow(current < 0 ? 0 : current - 1); break;
      case "x":
        if (!row) { return; }
        var box = row.querySelector("input[type=checkbox]");
        if (box) { box.checked = !box.checked; }
        break;
      case "Enter":
        // A focused link or button already does its own thing.
        if (!row || event.target !== row) { return; }
        window.location.href = row.getAttribute("data-href");
        break;
      case "/":
        var search = document.getElementById("id_q");
        if (!search) { return; }
        search.focus();
        search.select();
        break;
      default: return;
    }
    event.preventDefault();
  });
})();
