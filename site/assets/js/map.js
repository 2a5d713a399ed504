/* The paper map: a graph of the catalog (nodes coloured by section, arrows from a paper to the
 * work it builds on) and a timeline (columns by month, rows by section), drawn with the
 * vendored Cytoscape.js. Data: window.AWM_CATALOG, written by `awm site build` into
 * generated/catalog-data.js. Record text only ever reaches the page through textContent or
 * Cytoscape's canvas labels, never as HTML. */
(function () {
  "use strict";

  var KEY = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
  var DATE = /^(\d{4})-(\d{2})$/;
  // Section colours: catalog/site/lineage.py's SECTION_PALETTE, the one list (the paper pages'
  // lineage pictures use it too), written into generated/catalog-data.js by `awm site build`.
  var PALETTE = (window.AWM_SECTION_PALETTE || []).filter(function (c) {
    return typeof c === "string" && /^#[0-9a-f]{6}$/i.test(c);
  });
  if (!PALETTE.length) { PALETTE = ["#9e9e9e"]; }
  var MANY = 1500; // above this many papers the force layout is too slow for a browser

  function byId(id) { return document.getElementById(id); }

  function say(message) {
    var status = byId("awm-status");
    if (status) { status.textContent = message; }
  }

  /* The page's text colour, resolved (Material's --md-default-fg-color nests var() that
   * Cytoscape cannot read): dark on light, light on dark. */
  function ink() {
    var c = getComputedStyle(document.body).color.match(/\d+(\.\d+)?/g);
    return c && c.length >= 3 ? "rgb(" + c.slice(0, 3).join(",") + ")" : "#222";
  }

  function option(select, value, label) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    select.appendChild(o);
  }

  /* catalog.json's shape (catalog/catalog.schema.json): papers, edges {from, to}, and the
   * taxonomy's areas with their sections, in the taxonomy's order. */
  function readCatalog(data) {
    var papers = (data.papers || []).filter(function (p) {
      return p && typeof p.key === "string" && KEY.test(p.key) && DATE.test(p.date || "");
    });
    var keys = {}, sections = [], known = {};
    papers.forEach(function (p) { keys[p.key] = true; });
    ((data.taxonomy || {}).areas || []).forEach(function (area) {
      (area.sections || []).forEach(function (s) { known[s.id] = true; sections.push(s); });
    });
    papers.forEach(function (p) {  // a section the taxonomy does not list still gets a row
      if (!known[p.section]) {
        known[p.section] = true;
        sections.push({ id: String(p.section), title: String(p.section) });
      }
    });
    var edges = (data.edges || []).filter(function (e) {
      return e && keys[e.from] && keys[e.to] && e.from !== e.to;
    });
    return { papers: papers, sections: sections, edges: edges };
  }

  function elementsOf(catalog) {
    var colour = {}, nodes = [], edges = [];
    catalog.sections.forEach(function (s, i) { colour[s.id] = PALETTE[i % PALETTE.length]; });
    catalog.papers.forEach(function (p) {
      nodes.push({ group: "nodes", data: {
        id: p.key, label: String(p.name || p.key), title: String(p.title || ""),
        section: String(p.section), tags: (p.tags || []).map(String), year: p.date.slice(0, 4),
        date: p.date, colour: colour[p.section], url: "generated/papers/" + p.key + ".html" } });
    });
    catalog.edges.forEach(function (e) {  // an arrow from a paper to the work it builds on
      edges.push({ group: "edges", data: { id: e.from + "->" + e.to, source: e.from,
                                           target: e.to } });
    });
    return nodes.concat(edges);
  }

  /* Timeline positions: x by month since the first paper, y by section row, papers of the
   * same month and section stacked. */
  function timelinePositions(catalog) {
    var first = null, rows = {}, stack = {}, pos = {};
    catalog.sections.forEach(function (s, i) { rows[s.id] = i; });
    catalog.papers.forEach(function (p) {
      var m = DATE.exec(p.date), month = (+m[1]) * 12 + (+m[2]) - 1;
      first = first === null ? month : Math.min(first, month);
    });
    var perCell = {};
    catalog.papers.forEach(function (p) {
      var m = DATE.exec(p.date), cell = p.section + "|" + p.date;
      perCell[cell] = (perCell[cell] || 0) + 1;
    });
    var rowHeight = 40 + 16 * Math.max.apply(null, Object.values(perCell).concat([1]));
    catalog.papers.forEach(function (p) {
      var m = DATE.exec(p.date), month = (+m[1]) * 12 + (+m[2]) - 1;
      var cell = p.section + "|" + p.date;
      stack[cell] = (stack[cell] || 0) + 1;
      pos[p.key] = { x: (month - first) * 90, y: rows[p.section] * rowHeight + stack[cell] * 16 };
    });
    return pos;
  }

  function start() {
    var box = byId("awm-map");
    if (!box) { return; }
    if (!window.cytoscape || !window.AWM_CATALOG) {
      say("The map could not load its data or its drawing library.");
      return;
    }
    var catalog = readCatalog(window.AWM_CATALOG);
    var positions = timelinePositions(catalog);
    var cy = window.cytoscape({
      container: box,
      elements: elementsOf(catalog),
      minZoom: 0.05, maxZoom: 4,
      style: [
        { selector: "node", style: {
          "background-color": "data(colour)", "label": "data(label)", "font-size": 10,
          "min-zoomed-font-size": 7, "text-valign": "bottom", "text-margin-y": 2,
          "width": 14, "height": 14, "color": ink() } },
        { selector: "edge", style: {
          "width": 1, "line-color": "#9e9e9e", "target-arrow-color": "#9e9e9e",
          "target-arrow-shape": "triangle", "arrow-scale": 0.7, "curve-style": "bezier" } },
        { selector: ".hidden", style: { "display": "none" } },
        { selector: ".faded", style: { "opacity": 0.15 } },
        { selector: "node.found", style: {
          "border-width": 3, "border-color": ink(), "width": 22, "height": 22,
          "font-weight": "bold", "z-index": 10 } }
      ],
      layout: { name: "preset", positions: positions }
    });

    // labels in the theme's text colour, again when the reader switches light or dark
    new MutationObserver(function () {
      cy.style().selector("node").style("color", ink())
        .selector("node.found").style("border-color", ink()).update();
    }).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });

    function runLayout(view) {
      var visible = cy.elements().not(".hidden");
      if (view === "timeline" || cy.nodes().length > MANY) {
        cy.nodes().positions(function (n) { return positions[n.id()]; });
        cy.fit(visible, 30);
      } else {
        cy.nodes().positions(function (n) { return positions[n.id()]; });
        visible.layout({ name: "cose", animate: false, randomize: false, fit: true, padding: 30,
                         nodeRepulsion: function () { return 8000; }, idealEdgeLength: function () {
                           return 60; }, numIter: 1500 }).run();
      }
    }

    // Filters: the choices come from the data itself.
    var sectionSelect = byId("awm-section"), tagSelect = byId("awm-tag");
    var yearSelect = byId("awm-year"), viewSelect = byId("awm-view"), search = byId("awm-search");
    catalog.sections.forEach(function (s) {
      if (catalog.papers.some(function (p) { return p.section === s.id; })) {
        option(sectionSelect, s.id, String(s.title || s.id));
      }
    });
    var tags = {}, years = {};
    catalog.papers.forEach(function (p) {
      (p.tags || []).forEach(function (t) { tags[t] = true; });
      years[p.date.slice(0, 4)] = true;
    });
    Object.keys(tags).sort().forEach(function (t) { option(tagSelect, t, t); });
    Object.keys(years).sort().forEach(function (y) { option(yearSelect, y, y); });

    function describe() {
      var shown = cy.nodes().not(".hidden").length;
      var links = cy.edges().filter(function (e) {
        return !e.source().hasClass("hidden") && !e.target().hasClass("hidden");
      }).length;
      var found = cy.nodes(".found").length;
      say("Showing " + shown + " of " + cy.nodes().length + " papers and " + links +
          " lineage links." + (search.value.trim() ? " " + found + " match the search." : ""));
    }

    function applyFilters() {
      var section = sectionSelect.value, tag = tagSelect.value, year = yearSelect.value;
      cy.batch(function () {
        cy.nodes().forEach(function (n) {
          var keep = (!section || n.data("section") === section) &&
                     (!tag || n.data("tags").indexOf(tag) >= 0) &&
                     (!year || n.data("year") === year);
          n.toggleClass("hidden", !keep);
        });
      });
      runLayout(viewSelect.value);
      highlight();
    }

    function highlight() {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var hash = new URLSearchParams(location.search).get("paper") || "";
      cy.batch(function () {
        cy.elements().removeClass("found faded");
        if (!words.length && !KEY.test(hash)) { return; }
        var found = cy.nodes().filter(function (n) {
          if (!words.length) { return n.id() === hash; }
          var hay = (n.data("label") + " " + n.data("title") + " " + n.id()).toLowerCase();
          return words.every(function (w) { return hay.indexOf(w) >= 0; });
        });
        if (found.length) {
          cy.elements().addClass("faded");
          found.removeClass("faded").addClass("found");
        }
      });
      var found = cy.nodes(".found").not(".hidden");
      if (found.length) { cy.animate({ center: { eles: found }, duration: 200 }); }
      describe();
    }

    function details(node) {
      var panel = byId("awm-details");
      panel.textContent = "";
      if (!node) { return; }
      var strong = document.createElement("strong");
      strong.textContent = node.data("label");
      panel.appendChild(strong);
      panel.appendChild(document.createTextNode(" (" + node.data("date") + "): " +
                                                node.data("title")));
    }

    function legend() {
      var box = byId("awm-legend");
      catalog.sections.forEach(function (s, i) {
        var item = document.createElement("span"), swatch = document.createElement("span");
        item.className = "awm-legend-item";
        swatch.className = "awm-swatch";
        swatch.style.backgroundColor = PALETTE[i % PALETTE.length];
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(String(s.title || s.id)));
        box.appendChild(item);
      });
    }

    [sectionSelect, tagSelect, yearSelect].forEach(function (s) {
      s.addEventListener("change", applyFilters);
    });
    viewSelect.addEventListener("change", function () { runLayout(viewSelect.value); });
    search.addEventListener("input", highlight);
    byId("awm-fit").addEventListener("click", function () {
      cy.fit(cy.elements().not(".hidden"), 30);
    });
    cy.on("tap", "node", function (event) {
      window.location.href = event.target.data("url");
    });
    cy.on("mouseover", "node", function (event) { details(event.target); });

    legend();
    runLayout(viewSelect.value);
    highlight();
    // For the browser tests and for anyone poking at the map from the console.
    window.awmMap = { cy: cy, applyFilters: applyFilters };
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
