/* Section tables: a filter box above the table (class awm-filter) hides the rows that do not
 * contain the typed text; clicking a column heading sorts by that column (again: reverse).
 * Any table that scrolls sideways can be scrolled with the keyboard. */
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

  /* A table wider than the page scrolls sideways in Material's wrapper; the wrapper becomes
   * a named, focusable region then, so the keyboard can scroll it too (and it stops being one
   * when the table fits again). Material wraps the tables after DOMContentLoaded: this runs
   * on load and on every resize. */
  function headingBefore(node) {
    var heads = document.querySelectorAll("article h1, article h2, article h3, article h4");
    var found = null;
    Array.prototype.forEach.call(heads, function (h) {
      if (h.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING) { found = h; }
    });
    if (!found) { return ""; }
    var copy = found.cloneNode(true);
    copy.querySelectorAll(".headerlink").forEach(function (a) { a.remove(); });
    return copy.textContent.trim();
  }

  /* Each region's name is unique on the page: the heading above it, numbered when repeated. */
  function keyboardScroll() {
    document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.dataset.awmScroll) {
        var heading = headingBefore(wrap);
        var name = heading ? "Table: " + heading : "Table";
        var same = Array.prototype.filter.call(document.querySelectorAll("[data-awm-scroll]"),
          function (other) { return other.dataset.awmScroll === name; }).length;
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", same ? name + " (" + (same + 1) + ")" : name);
        wrap.dataset.awmScroll = name;
      } else if (!scrolls && wrap.dataset.awmScroll) {
        ["tabindex", "role", "aria-label", "data-awm-scroll"].forEach(function (attr) {
          wrap.removeAttribute(attr);
        });
      }
    });
  }

  var resizing = null;
  window.addEventListener("load", keyboardScroll);
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(keyboardScroll, 150);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
  if (document.readyState === "complete") { keyboardScroll(); }
})();
