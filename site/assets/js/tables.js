/* Section tables: a filter box above the table (class awm-filter) hides the rows that do not
 * contain the typed text; clicking a column heading sorts by that column (again: reverse). */
(function () {
  "use strict";

  function tableAfter(input) {
    var tables = document.querySelectorAll("article table");
    for (var i = 0; i < tables.length; i++) {
      if (input.compareDocumentPosition(tables[i]) & Node.DOCUMENT_POSITION_FOLLOWING) {
        return tables[i];
      }
    }
    return null;
  }

  function cellText(row, column) {
    var cell = row.cells[column];
    return cell ? cell.textContent.trim() : "";
  }

  function makeSortable(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, column) {
      th.classList.add("awm-sortable");
      th.setAttribute("role", "button");
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        rows.sort(function (a, b) {
          var x = cellText(a, column), y = cellText(b, column);
          var nx = parseFloat(x), ny = parseFloat(y);
          var cmp = (!isNaN(nx) && !isNaN(ny) && String(nx) === x && String(ny) === y)
            ? nx - ny : x.localeCompare(y);
          return ascending ? cmp : -cmp;
        });
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  function setUp() {
    document.querySelectorAll("input.awm-filter").forEach(function (input) {
      var table = tableAfter(input);
      if (!table || table.dataset.awmReady) { return; }
      table.dataset.awmReady = "1";
      makeSortable(table);
      input.addEventListener("input", function () {
        var query = input.value.toLowerCase().trim();
        Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
          row.hidden = query !== "" && row.textContent.toLowerCase().indexOf(query) < 0;
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
