/* The paper map: a graph of the catalog (nodes coloured by section and shaped by area, arrows
 * from a paper to the work it builds on) and a timeline (a month axis, one lane per section),
 * drawn with the vendored Cytoscape.js. Data: window.AWM_CATALOG, and the positions of both
 * views in window.AWM_MAP (computed at build time by catalog/site/maplayout.py), written by
 * `awm site build` into generated/catalog-data.js. Record text only ever reaches the page
 * through textContent or Cytoscape's canvas labels, never as HTML. */
(function () {
  "use strict";

  var KEY = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
  var DATE = /^(\d{4})-(\d{2})$/;
  var SVG = "http://www.w3.org/2000/svg";
  // Section colours: catalog/site/lineage.py's SECTION_PALETTE, the one list (the paper pages'
  // lineage pictures use it too), written into generated/catalog-data.js by `awm site build`.
  var PALETTE = (window.AWM_SECTION_PALETTE || []).filter(function (c) {
    return typeof c === "string" && /^#[0-9a-f]{6}$/i.test(c);
  });
  if (!PALETTE.length) { PALETTE = ["#9e9e9e"]; }
  var MAP = window.AWM_MAP || {};
  // each area's node shape, chosen at build time (maplayout.AREA_SHAPES); Cytoscape shape names
  var AREA_SHAPES = MAP.area_shapes || {};
  var FONT = +MAP.font || 11, NODE = +MAP.node || 14;
  var LEGIBLE = 8;       // px: names drawn smaller than this are hidden (zoom in to read them)
  var PAD = 24;          // px around the fitted map
  var AXIS = 26;         // px: the timeline's month axis along the top of the map

  function byId(id) { return document.getElementById(id); }

  function say(message) {
    var status = byId("awm-status");
    if (status) { status.textContent = message; }
  }

  function finite(p) {
    return p && isFinite(p[0]) && isFinite(p[1]) ? { x: +p[0], y: +p[1] } : null;
  }

  /* The page's text colour, resolved (Material's --md-default-fg-color nests var() that
   * Cytoscape cannot read): dark on light, light on dark. */
  function ink() {
    var c = getComputedStyle(document.body).color.match(/\d+(\.\d+)?/g);
    return c && c.length >= 3 ? "rgb(" + c.slice(0, 3).join(",") + ")" : "#222";
  }

  function paper() {
    var c = getComputedStyle(document.body).backgroundColor.match(/\d+(\.\d+)?/g);
    return c && c.length >= 3 && (c.length < 4 || +c[3] > 0) ?
      "rgb(" + c.slice(0, 3).join(",") + ")" : "#fff";
  }

  function option(select, value, label) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    select.appendChild(o);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  /* catalog.json's shape (catalog/catalog.schema.json): papers, edges {from, to}, and the
   * taxonomy's areas with their sections, in the taxonomy's order. */
  function readCatalog(data) {
    var papers = (data.papers || []).filter(function (p) {
      return p && typeof p.key === "string" && KEY.test(p.key) && DATE.test(p.date || "");
    });
    var keys = {}, sections = [], known = {}, areas = [];
    papers.forEach(function (p) { keys[p.key] = true; });
    ((data.taxonomy || {}).areas || []).forEach(function (area) {
      var named = AREA_SHAPES[area.id];
      var shape = typeof named === "string" && /^[a-z-]+$/.test(named) ? named : "ellipse";
      var item = { title: String(area.title || area.id), shape: shape, sections: [] };
      areas.push(item);
      (area.sections || []).forEach(function (s) {
        known[s.id] = true;
        var sec = { id: String(s.id), title: String(s.title || s.id), shape: shape,
                    area: item.title };
        sections.push(sec);
        item.sections.push(sec);
      });
    });
    papers.forEach(function (p) {  // a section the taxonomy does not list still gets a row
      if (!known[p.section]) {
        known[p.section] = true;
        sections.push({ id: String(p.section), title: String(p.section), shape: "ellipse",
                        area: "" });
      }
    });
    sections.forEach(function (s, i) { s.colour = PALETTE[i % PALETTE.length]; });
    var edges = (data.edges || []).filter(function (e) {
      return e && keys[e.from] && keys[e.to] && e.from !== e.to;
    });
    return { papers: papers, sections: sections, areas: areas, edges: edges };
  }

  function elementsOf(catalog) {
    var sec = {}, nodes = [], edges = [], labels = MAP.labels || {};
    catalog.sections.forEach(function (s) { sec[s.id] = s; });
    catalog.papers.forEach(function (p) {
      var s = sec[p.section], name = String(p.name || p.key);
      nodes.push({ group: "nodes", data: {
        id: p.key, label: name, text: typeof labels[p.key] === "string" ? labels[p.key] : name,
        title: String(p.title || ""), section: String(p.section),
        sectionTitle: (s.area ? s.area + " / " : "") + s.title, tags: (p.tags || []).map(String),
        year: p.date.slice(0, 4), date: p.date, colour: s.colour, shape: s.shape,
        url: "generated/papers/" + p.key + ".html" } });
    });
    catalog.edges.forEach(function (e) {  // an arrow from a paper to the work it builds on
      edges.push({ group: "edges", data: { id: e.from + "->" + e.to, source: e.from,
                                           target: e.to } });
    });
    return nodes.concat(edges);
  }

  /* Positions from AWM_MAP; a paper it does not place (a stale data file) goes to a row below
   * the others rather than to (0, 0). */
  function positionsOf(catalog, given) {
    var pos = {}, bottom = 0, spare = 0;
    catalog.papers.forEach(function (p) {
      var at = finite((given || {})[p.key]);
      if (at) { pos[p.key] = at; bottom = Math.max(bottom, at.y); }
    });
    catalog.papers.forEach(function (p) {
      if (!pos[p.key]) { pos[p.key] = { x: 80 * spare++, y: bottom + 60 }; }
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
    var timeline = MAP.timeline || {};
    var positions = { graph: positionsOf(catalog, MAP.graph),
                      timeline: positionsOf(catalog, timeline.positions) };
    var font = getComputedStyle(document.body).fontFamily;
    var cy = window.cytoscape({
      container: box,
      elements: elementsOf(catalog),
      minZoom: 0.05, maxZoom: 4, autoungrabify: true, boxSelectionEnabled: false,
      style: [
        { selector: "node", style: {
          "background-color": "data(colour)", "shape": "data(shape)", "label": "data(text)",
          "font-size": FONT, "font-family": font, "text-wrap": "wrap", "text-max-width": 1000,
          "text-valign": "bottom", "text-halign": "center", "text-margin-y": 3,
          "width": NODE, "height": NODE, "color": ink(), "border-width": 1,
          "border-color": ink(), "border-opacity": 0.45, "text-background-color": paper(),
          "text-background-opacity": 0.75, "text-background-padding": 1 } },
        { selector: "node.tl", style: {
          "label": "data(label)", "text-valign": "center", "text-halign": "right",
          "text-margin-x": 3, "text-margin-y": 0 } },
        { selector: "node.quiet", style: { "label": "" } },
        { selector: "edge", style: {
          "width": 1, "line-color": "#9e9e9e", "target-arrow-color": "#9e9e9e",
          "target-arrow-shape": "triangle", "arrow-scale": 0.7, "curve-style": "bezier" } },
        { selector: "edge.tl", style: { "opacity": 0.35 } },
        { selector: ".hidden", style: { "display": "none" } },
        { selector: ".faded", style: { "opacity": 0.15 } },
        { selector: "node.found", style: {
          "border-width": 3, "border-color": ink(), "border-opacity": 1, "width": 20,
          "height": 20, "font-weight": "bold", "z-index": 10 } },
        { selector: "node.chosen", style: {
          "border-width": 3, "border-color": ink(), "border-opacity": 1, "z-index": 11 } }
      ],
      layout: { name: "preset", positions: positions.graph }
    });

    var view = "graph", zoomedIn = false;
    var lanes = layers(box);

    // labels in the theme's text colour, again when the reader switches light or dark
    new MutationObserver(function () {
      cy.style().selector("node").style({ "color": ink(), "border-color": ink(),
                                          "text-background-color": paper() })
        .selector("node.found").style("border-color", ink())
        .selector("node.chosen").style("border-color", ink()).update();
      drawLanes();
    }).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });

    /* Names too small to read are hidden: a page of grey specks helps nobody. */
    function quiet() {
      var small = cy.zoom() * FONT < LEGIBLE;
      if (small !== cy.scratch("_awmSmall")) {
        cy.scratch("_awmSmall", small);
        cy.batch(function () { cy.nodes().toggleClass("quiet", small); });
      }
    }

    /* Fit the visible papers, leaving the axis strip free in the timeline. */
    function fitZoom(eles) {
      var bb = eles.boundingBox({ includeLabels: true }), top = view === "timeline" ? AXIS : 0;
      if (!isFinite(bb.w) || bb.w <= 0) { return null; }
      var z = Math.min((cy.width() - 2 * PAD) / bb.w, (cy.height() - 2 * PAD - top) / bb.h);
      z = Math.max(cy.minZoom(), Math.min(2, z));
      return { zoom: z, pan: { x: (cy.width() - bb.w * z) / 2 - bb.x1 * z,
                               y: top + (cy.height() - top - bb.h * z) / 2 - bb.y1 * z } };
    }

    function fit() {
      var v = fitZoom(cy.nodes().not(".hidden"));
      if (v) { cy.viewport(v); }
      zoomedIn = false;
      quiet();
    }

    /* The view a page opens with: everything fitted; when names would then be too small to
     * read (a phone; the timeline), the smallest zoom where names are legible instead, on the
     * most linked paper in the graph and on the newest months in the timeline. */
    function home() {
      fit();
      if (cy.zoom() * FONT >= LEGIBLE) { return; }
      var shown = cy.nodes().not(".hidden"), hub = null;
      if (view === "timeline") {  // the newest months, where most papers are, from the top
        var bb = shown.boundingBox({ includeLabels: true }), z = LEGIBLE / FONT + 0.01;
        if (!isFinite(bb.w)) { return; }
        cy.viewport({ zoom: z, pan: { x: cy.width() - PAD - bb.x2 * z,
                                      y: AXIS + PAD / 2 - bb.y1 * z } });
        zoomedIn = true;
        quiet();
        return;
      }
      shown.forEach(function (n) {
        if (!hub || n.degree() > hub.degree()) { hub = n; }
      });
      if (!hub) { return; }
      cy.zoom(LEGIBLE / FONT + 0.01);
      cy.center(hub);
      zoomedIn = true;
      quiet();
    }

    function runLayout(next) {
      view = next === "timeline" ? "timeline" : "graph";
      cy.batch(function () {
        cy.nodes().positions(function (n) { return positions[view][n.id()]; });
        cy.elements().toggleClass("tl", view === "timeline");
      });
      box.setAttribute("aria-label", view === "timeline" ?
        "Timeline of the papers: a month axis, one lane per section" :
        "Graph of the papers and their lineage");
      home();
      drawLanes();
    }

    // Filters: the choices come from the data itself.
    var sectionSelect = byId("awm-section"), tagSelect = byId("awm-tag");
    var yearSelect = byId("awm-year"), viewSelect = byId("awm-view"), search = byId("awm-search");
    catalog.sections.forEach(function (s) {
      if (catalog.papers.some(function (p) { return p.section === s.id; })) {
        option(sectionSelect, s.id, s.title);
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
      var text = "Showing " + shown + " of " + cy.nodes().length + " papers and " + links +
        " lineage links." + (search.value.trim() ? " " + found + " match the search." : "");
      if (zoomedIn) {
        text += " Zoomed in so that names can be read: drag to move, pinch or scroll to " +
          "zoom, Fit shows the whole map (names hide when too small to read).";
      } else if (cy.zoom() * FONT < LEGIBLE) {
        text += " Zoom in to read the names.";
      }
      say(text);
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
      highlight(false);
    }

    function deepLinked() {
      var key = new URLSearchParams(location.search).get("paper") || "";
      return KEY.test(key) ? cy.getElementById(key) : cy.collection();
    }

    /* The search words, else the paper named in the address (?paper=key): matches stand out,
     * the rest fades. A deep-linked paper and the papers it is linked with keep their colour,
     * and the map zooms to them (``zoom``: on opening the page). */
    function highlight(zoom) {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var linked = deepLinked(), found;
      cy.batch(function () {
        cy.elements().removeClass("found faded");
        if (words.length) {
          found = cy.nodes().filter(function (n) {
            var hay = (n.data("label") + " " + n.data("title") + " " + n.id()).toLowerCase();
            return words.every(function (w) { return hay.indexOf(w) >= 0; });
          });
        } else {
          found = linked;
        }
        if (found.length) {
          cy.elements().addClass("faded");
          (words.length ? found : found.closedNeighborhood()).removeClass("faded");
          found.addClass("found");
        }
      });
      var visible = cy.nodes(".found").not(".hidden");
      if (zoom && !words.length && linked.length && !linked.hasClass("hidden")) {
        focus(linked);
      } else if (visible.length && words.length) {
        cy.animate({ center: { eles: visible }, duration: 200 });
      }
      describe();
    }

    /* Zoom to a paper and its neighbours: as much of them as fits at a zoom where names read
     * well, never less zoomed in than names being legible, centred on the paper. */
    function focus(node) {
      var near = node.closedNeighborhood().nodes().not(".hidden");
      var v = fitZoom(near), all = fitZoom(cy.nodes().not(".hidden"));
      var z = Math.min(1.6, Math.max(v ? v.zoom : 1, (LEGIBLE + 2) / FONT,
                                     all ? all.zoom * 1.5 : 0));
      cy.zoom(z);
      cy.center(node);
      zoomedIn = false;
      quiet();
      details(node);
    }

    /* A paper's details, below the map: name, title, date, section and a link to its page. */
    function details(node) {
      var panel = byId("awm-details");
      panel.textContent = "";
      cy.nodes(".chosen").removeClass("chosen");
      if (!node) { panel.hidden = true; return; }
      node.addClass("chosen");
      panel.hidden = false;
      var head = el("p", "awm-details-head");
      head.appendChild(el("strong", "", node.data("label")));
      head.appendChild(document.createTextNode(" (" + node.data("date") + ")"));
      panel.appendChild(head);
      if (node.data("title") && node.data("title") !== node.data("label")) {
        panel.appendChild(el("p", "awm-details-title", node.data("title")));
      }
      var sec = el("p", "awm-details-section");
      var swatch = el("span", "awm-swatch awm-shape-" + node.data("shape"));
      swatch.style.backgroundColor = node.data("colour");
      swatch.setAttribute("aria-hidden", "true");
      sec.appendChild(swatch);
      sec.appendChild(document.createTextNode(node.data("sectionTitle")));
      panel.appendChild(sec);
      var link = el("a", "awm-details-link", "Open the paper's page");
      link.href = node.data("url");
      panel.appendChild(link);
      var close = el("button", "awm-details-close", "×");
      close.type = "button";
      close.setAttribute("aria-label", "Close the details");
      close.addEventListener("click", function () { details(null); });
      panel.appendChild(close);
    }

    function legend() {
      var box = byId("awm-legend");
      box.textContent = "";
      box.appendChild(el("p", "awm-legend-note", "Colour shows the section and shape the " +
        "area: seven colour-blind-safe colours (Okabe and Ito) serve " +
        catalog.sections.length + " sections, so sections of different areas can share a " +
        "colour but never a shape."));
      var used = {};
      catalog.papers.forEach(function (p) { used[p.section] = (used[p.section] || 0) + 1; });
      var groups = catalog.areas.concat(catalog.sections.some(function (s) { return !s.area; }) ?
        [{ title: "Other", shape: "ellipse",
           sections: catalog.sections.filter(function (s) { return !s.area; }) }] : []);
      groups.forEach(function (area) {
        var group = el("div", "awm-legend-area");
        var head = el("span", "awm-legend-head");
        var mark = el("span", "awm-swatch awm-shape-" + area.shape);
        mark.setAttribute("aria-hidden", "true");
        head.appendChild(mark);
        head.appendChild(document.createTextNode(area.title));
        group.appendChild(head);
        area.sections.forEach(function (s) {
          var item = el("span", "awm-legend-item");
          var swatch = el("span", "awm-swatch awm-shape-" + s.shape);
          swatch.style.backgroundColor = s.colour;
          swatch.setAttribute("aria-hidden", "true");
          item.appendChild(swatch);
          item.appendChild(document.createTextNode(s.title + " (" + (used[s.id] || 0) + ")"));
          group.appendChild(item);
        });
        box.appendChild(group);
      });
    }

    /* The timeline's lanes and month axis: an SVG under the map's canvas (lane bands, month
     * lines, lane names) and one over it (the axis, kept at the top while the map moves). */
    function layers(container) {
      var under = document.createElementNS(SVG, "svg");
      var over = document.createElementNS(SVG, "svg");
      under.setAttribute("class", "awm-map-lanes");
      over.setAttribute("class", "awm-map-axis");
      [under, over].forEach(function (s) { s.setAttribute("aria-hidden", "true"); });
      container.insertBefore(under, container.firstChild);
      container.appendChild(over);
      return { under: under, over: over };
    }

    function svg(parent, tag, attrs, text) {
      var e = document.createElementNS(SVG, tag);
      Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
      if (text !== undefined) { e.textContent = text; }
      parent.appendChild(e);
      return e;
    }

    function drawLanes() {
      var under = lanes.under, over = lanes.over;
      under.textContent = "";
      over.textContent = "";
      var on = view === "timeline" && DATE.test(timeline.first || "") && timeline.lanes;
      under.style.display = over.style.display = on ? "" : "none";
      if (!on) { return; }
      var z = cy.zoom(), pan = cy.pan(), W = cy.width(), H = cy.height(), fg = ink();
      var col = +timeline.col || 34, months = +timeline.months || 1;
      var width = Math.max(+timeline.width || 0, months * col);
      var sx = function (x) { return x * z + pan.x; }, sy = function (y) { return y * z + pan.y; };
      var shown = {};
      cy.nodes().not(".hidden").forEach(function (n) { shown[n.data("section")] = true; });
      var colour = {};
      catalog.sections.forEach(function (s) { colour[s.id] = s.colour; });
      var top = Infinity, bottom = -Infinity;
      timeline.lanes.forEach(function (lane, i) {
        var y0 = sy(+lane.top), y1 = sy(+lane.bottom);
        top = Math.min(top, y0);
        bottom = Math.max(bottom, y1);
        svg(under, "rect", { x: sx(0), y: y0, width: width * z, height: y1 - y0, fill: fg,
                             "fill-opacity": i % 2 ? 0.03 : 0.07 });
        svg(under, "rect", { x: sx(0), y: y0, width: 4, height: y1 - y0,
                             fill: colour[lane.section] || "#9e9e9e" });
        if (!shown[lane.section] || y1 < 0 || y0 > H) { return; }
        // the lane's name, in its caption row; kept in view when the map moves sideways
        var size = Math.max(9, Math.min(12, (+timeline.caption || 22) * z - 3));
        var x = Math.max(sx(0) + 8, 6);
        var y = Math.max(y0 + (+timeline.lane_pad || 6) * z + size, AXIS + size + 2);
        if (y > y1 - 2) { return; }
        svg(under, "text", { x: x, y: y, fill: fg, "font-size": size, "font-weight": 700,
                             "class": "awm-lane-name" }, lane.title);
      });
      // month lines: every month faint, each January stronger
      var m0 = DATE.exec(timeline.first), first = (+m0[1]) * 12 + (+m0[2]) - 1;
      for (var i = 0; i <= months; i++) {
        var x = sx(i * col);
        if (x < -1 || x > W + 1) { continue; }
        svg(under, "line", { x1: x, x2: x, y1: Math.max(top, 0), y2: Math.min(bottom, H),
                             stroke: fg, "stroke-opacity": (first + i) % 12 ? 0.08 : 0.3 });
      }
      // the axis: a label every k months, k the smallest of 1, 2, 3, 4, 6, 12 that keeps
      // labels apart at this zoom (so each January keeps its label)
      svg(over, "rect", { x: 0, y: 0, width: W, height: AXIS, fill: paper(),
                          "fill-opacity": 0.92 });
      svg(over, "line", { x1: 0, x2: W, y1: AXIS - 0.5, y2: AXIS - 0.5, stroke: fg,
                          "stroke-opacity": 0.4 });
      var labelWidth = 52, step = [1, 2, 3, 4, 6, 12].filter(function (k) {
        return k * col * z >= labelWidth + 6;
      })[0] || 24;
      for (var j = 0; j <= months; j++) {
        var at = sx(j * col), month = first + j;
        if (at < -labelWidth || at > W) { continue; }
        var major = month % 12 === 0;
        svg(over, "line", { x1: at, x2: at, y1: AXIS - (major ? 9 : 5), y2: AXIS,
                            stroke: fg, "stroke-opacity": major ? 0.8 : 0.5 });
        if (month % step) { continue; }
        var label = Math.floor(month / 12) + "-" + ("0" + (month % 12 + 1)).slice(-2);
        svg(over, "text", { x: at + 3, y: AXIS - 10, fill: fg, "font-size": 11,
                            "font-weight": major ? 700 : 400, "class": "awm-tick" }, label);
      }
    }

    [sectionSelect, tagSelect, yearSelect].forEach(function (s) {
      s.addEventListener("change", applyFilters);
    });
    viewSelect.addEventListener("change", function () {
      runLayout(viewSelect.value);
      highlight(false);
    });
    search.addEventListener("input", function () { highlight(false); });
    byId("awm-fit").addEventListener("click", function () { fit(); describe(); drawLanes(); });
    // One behaviour on every screen: a click or a tap shows the paper's details (with a link
    // to its page) below the map; a double click or double tap opens the page.
    cy.on("tap", "node", function (event) { details(event.target); });
    cy.on("tap", function (event) { if (event.target === cy) { details(null); } });
    cy.on("dbltap", "node", function (event) {
      window.location.href = event.target.data("url");
    });
    cy.on("mouseover", "node", function (event) {
      if (!cy.nodes(".chosen").length) { details(event.target); }
    });
    cy.on("zoom", quiet);
    cy.on("viewport", drawLanes);
    window.addEventListener("resize", function () { drawLanes(); });

    legend();
    details(null);
    runLayout(viewSelect.value);
    highlight(true);
    // For the browser tests and for anyone poking at the map from the console.
    window.awmMap = { cy: cy, applyFilters: applyFilters, fit: fit, legible: LEGIBLE,
                      font: FONT, view: function () { return view; } };
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
