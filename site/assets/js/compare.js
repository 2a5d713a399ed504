/* Comparison tables (table[data-awm-compare], written by catalog/site/compare.py).
 * Clicking a heading sorts by that column (again: reverse). A column whose heading has
 * data-type="number" sorts by each cell's data-value, and rows without a number stay last in
 * both directions. The filter bar before a table (data-filters-for = the table's id) hides
 * rows: each checked box keeps the rows whose data-<filter> is "yes"; the search box keeps the
 * rows whose text contains every typed word. No libraries, no network. */
(function () {
  "use strict";

  function cellValue(row, column, numeric) {
    var cell = row.cells[column];
    if (!cell) { return numeric ? null : ""; }
    if (!numeric) { return cell.textContent.trim().toLowerCase(); }
    var raw = cell.getAttribute("data-value");
    var value = raw === null || raw === "" ? NaN : parseFloat(raw);
    return isNaN(value) ? null : value;
  }

  function sortBy(table, th, column) {
    var numeric = th.getAttribute("data-type") === "number";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (row, index) { row.awmIndex = index; });
    rows.sort(function (a, b) {
      var x = cellValue(a, column, numeric), y = cellValue(b, column, numeric);
      if (numeric && (x === null || y === null)) {
        return x === y ? a.awmIndex - b.awmIndex : (x === null ? 1 : -1);
      }
      var cmp = numeric ? x - y : x.localeCompare(y);
      return (ascending ? cmp : -cmp) || a.awmIndex - b.awmIndex;
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) {
      h.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function applyFilters(table, bar) {
    var checks = bar.querySelectorAll("input[type=checkbox][data-filter]:checked");
    var search = bar.querySelector("input[data-filter=text]");
    var words = search ? search.value.toLowerCase().split(/\s+/).filter(Boolean) : [];
    var shown = 0, rows = table.tBodies[0].rows;
    Array.prototype.forEach.call(rows, function (row) {
      var keep = Array.prototype.every.call(checks, function (box) {
        return row.getAttribute("data-" + box.getAttribute("data-filter")) === "yes";
      });
      var text = row.textContent.toLowerCase();
      keep = keep && words.every(function (w) { return text.indexOf(w) >= 0; });
      row.hidden = !keep;
      shown += keep ? 1 : 0;
    });
    var count = bar.querySelector(".awm-shown");
    if (count) { count.textContent = shown + " of " + rows.length + " shown"; }
  }

  function setUp() {
    document.querySelectorAll("table[data-awm-compare]").forEach(function (table) {
      if (table.getAttribute("data-awm-ready")) { return; }
      table.setAttribute("data-awm-ready", "1");
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
        th.classList.add("awm-sortable");
        th.setAttribute("role", "button");
        th.setAttribute("tabindex", "0");
        th.addEventListener("click", function () { sortBy(table, th, column); });
        th.addEventListener("keydown", function (event) {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            sortBy(table, th, column);
          }
        });
      });
      var bar = document.querySelector('[data-filters-for="' + table.id + '"]');
      if (!bar) { return; }
      bar.querySelectorAll("input[data-filter]").forEach(function (input) {
        input.addEventListener("input", function () { applyFilters(table, bar); });
        input.addEventListener("change", function () { applyFilters(table, bar); });
      });
      applyFilters(table, bar);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
