/* The "All papers" browser: facets (section, tag, year, venue, what a paper has), free text,
 * sort, the state in the address (?section=..&tag=..&words=..&sort=..), and the papers shown
 * exported as BibTeX or CSV. Data: window.AWM_CATALOG (catalog.json's shape) and
 * window.AWM_BIBTEX (key -> the entry of papers.bib), both written by `awm site build`.
 * Record text reaches the page only through textContent; only https URLs become links. */
(function () {
  "use strict";

  var KEY = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
  var HTTPS = /^https:\/\//i;
  var HAS = [["code", "Code", function (p) { return !!p.links.code; }],
             ["weights", "Weights", function (p) { return !!p.links.weights; }],
             ["project", "Project page", function (p) { return !!p.links.project; }],
             ["reproduction", "A reproduction here", function (p) { return !!p.reproduced; }]];

  function byId(id) { return document.getElementById(id); }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }

  /* A venue without its year ("CVPR 2025" -> "CVPR"): the year has its own facet. */
  function venueSeries(p) {
    var v = String(p.venue || "").replace(/\s*'?\d{2,4}$/, "").trim();
    return v || "Preprint (no venue recorded)";
  }

  function facetsOf(data) {
    var sectionTitle = {}, order = [];
    ((data.taxonomy || {}).areas || []).forEach(function (a) {
      (a.sections || []).forEach(function (s) {
        sectionTitle[s.id] = a.title + " / " + s.title;
        order.push(s.id);
      });
    });
    return [
      { id: "section", label: "Section", any: true, values: function (p) { return [p.section]; },
        label_of: function (v) { return sectionTitle[v] || v; },
        order: function (a, b) { return order.indexOf(a) - order.indexOf(b); } },
      { id: "tag", label: "Tag", any: true, values: function (p) { return p.tags || []; } },
      { id: "year", label: "Year", any: true, values: function (p) { return [String(p.year)]; },
        order: function (a, b) { return b.localeCompare(a); } },
      { id: "venue", label: "Venue", any: true, values: function (p) { return [venueSeries(p)]; } },
      { id: "has", label: "Has", any: false, values: function (p) {
        return HAS.filter(function (h) { return h[2](p); }).map(function (h) { return h[0]; });
      }, label_of: function (v) {
        var h = HAS.filter(function (x) { return x[0] === v; })[0];
        return h ? h[1] : v;
      }, order: function (a, b) {
        var ids = HAS.map(function (h) { return h[0]; });
        return ids.indexOf(a) - ids.indexOf(b);
      } }
    ];
  }

  function haystack(p) {
    return [p.key, p.name, p.title, (p.authors || []).join(" "), p.summary, p.venue,
            (p.tags || []).join(" ")].join(" ").toLowerCase();
  }

  /* The state: {facet id: [values]}, q, sort, read from and written to the query string. */
  function readState(facets) {
    var params = new URLSearchParams(window.location.search), state = { chosen: {} };
    facets.forEach(function (f) {
      state.chosen[f.id] = params.getAll(f.id).filter(function (v) { return v !== ""; });
    });
    state.q = params.get("words") || "";  // not "q": Material opens its search box for ?q=
    state.sort = params.get("sort") || "date-desc";
    return state;
  }

  function writeState(facets, state) {
    var params = new URLSearchParams();
    facets.forEach(function (f) {
      state.chosen[f.id].forEach(function (v) { params.append(f.id, v); });
    });
    if (state.q) { params.set("words", state.q); }
    if (state.sort !== "date-desc") { params.set("sort", state.sort); }
    var query = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") +
                                window.location.hash);
  }

  function matches(p, facets, state, skip) {
    for (var i = 0; i < facets.length; i++) {
      var f = facets[i], want = state.chosen[f.id];
      if (f.id === skip || !want.length) { continue; }
      var have = f.values(p);
      var ok = f.any ? want.some(function (v) { return have.indexOf(v) >= 0; })
                     : want.every(function (v) { return have.indexOf(v) >= 0; });
      if (!ok) { return false; }
    }
    var words = state.q.toLowerCase().split(/\s+/).filter(Boolean);
    return words.every(function (w) { return p._text.indexOf(w) >= 0; });
  }

  function sorted(papers, how) {
    var out = papers.slice();
    out.sort(function (a, b) {
      if (how === "name") { return a.name.localeCompare(b.name) || a.key.localeCompare(b.key); }
      var c = a.date.localeCompare(b.date) || a.key.localeCompare(b.key);
      return how === "date-asc" ? c : -c;
    });
    return out;
  }

  function drawFacets(form, facets, papers, state, onChange) {
    form.textContent = "";
    facets.forEach(function (f) {
      var counts = {};
      papers.forEach(function (p) {  // a value's count: the papers it would show, others kept
        if (!matches(p, facets, state, f.id)) { return; }
        f.values(p).forEach(function (v) { counts[v] = (counts[v] || 0) + 1; });
      });
      var all = {};
      papers.forEach(function (p) { f.values(p).forEach(function (v) { all[v] = true; }); });
      state.chosen[f.id].forEach(function (v) { all[v] = true; });
      var values = Object.keys(all).sort(f.order || function (a, b) {
        return (counts[b] || 0) - (counts[a] || 0) || a.localeCompare(b);
      });
      var fs = el("fieldset", null, "awm-facet");
      fs.dataset.facet = f.id;
      fs.appendChild(el("legend", f.label));
      values.forEach(function (v) {
        var label = el("label", null, "awm-facet-value");
        var box = document.createElement("input");
        box.type = "checkbox";
        box.value = v;
        box.checked = state.chosen[f.id].indexOf(v) >= 0;
        box.disabled = !box.checked && !counts[v];
        box.addEventListener("change", function () {
          var list = state.chosen[f.id], at = list.indexOf(v);
          if (box.checked && at < 0) { list.push(v); }
          if (!box.checked && at >= 0) { list.splice(at, 1); }
          onChange();
        });
        label.appendChild(box);
        label.appendChild(el("span", f.label_of ? f.label_of(v) : v));
        label.appendChild(el("span", counts[v] || 0, "awm-facet-count"));
        fs.appendChild(label);
      });
      form.appendChild(fs);
    });
  }

  function cell(row, label, cls) {
    var td = el("td", null, cls);
    td.dataset.label = label;
    row.appendChild(td);
    return td;
  }

  function drawList(body, shown, facets) {
    var sectionLabel = facets[0].label_of;
    body.textContent = "";
    shown.forEach(function (p) {
      var tr = document.createElement("tr");
      tr.dataset.key = p.key;
      var first = cell(tr, "Paper", "awm-paper");
      var name = el("a", p.name, "awm-name");
      name.href = "generated/papers/" + p.key + ".html";
      first.appendChild(name);
      first.appendChild(el("span", p.title, "awm-title"));
      if ((p.tags || []).length) { first.appendChild(el("span", p.tags.join(", "), "awm-tags")); }
      cell(tr, "Date").textContent = p.date;
      cell(tr, "Venue").textContent = p.venue || "";
      cell(tr, "Section").textContent = sectionLabel(p.section).split(" / ").pop();
      var links = cell(tr, "Links", "awm-links");
      [["arXiv", p.arxiv_url], ["Project", p.links.project], ["Code", p.links.code],
       ["Weights", p.links.weights]].forEach(function (pair) {
        if (!pair[1] || !HTTPS.test(pair[1])) { return; }
        var a = el("a", pair[0]);
        a.href = pair[1];
        links.appendChild(a);
      });
      body.appendChild(tr);
    });
  }

  /* A CSV cell: quoted, quotes doubled, and a leading = + - @ (a formula to a spreadsheet)
   * neutralised with an apostrophe, since the text comes from contributors. */
  function csvCell(value) {
    var s = value === null || value === undefined ? "" : String(value);
    if (/^[=+\-@\t\r]/.test(s)) { s = "'" + s; }
    return '"' + s.replace(/"/g, '""') + '"';
  }

  function toCsv(papers) {
    var head = ["key", "name", "title", "authors", "date", "venue", "arxiv", "section", "tags",
                "project", "code", "weights", "reproduced"];
    var rows = [head.join(",")];
    papers.forEach(function (p) {
      rows.push([p.key, p.name, p.title, (p.authors || []).join("; "), p.date, p.venue || "",
                 p.arxiv || "", p.section, (p.tags || []).join("; "), p.links.project || "",
                 p.links.code || "", p.links.weights || "", p.reproduced ? "yes" : "no"]
                .map(csvCell).join(","));
    });
    return rows.join("\r\n") + "\r\n";
  }

  function toBibtex(papers, entries) {
    var out = papers.map(function (p) { return entries[p.key] || ""; }).filter(Boolean);
    return out.length ? out.join("\n\n") + "\n" : "";
  }

  function download(name, type, text) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    var a = el("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function setUp() {
    var data = window.AWM_CATALOG, entries = window.AWM_BIBTEX || {};
    var form = byId("awm-facet-groups"), body = byId("awm-list") && byId("awm-list").tBodies[0];
    if (!data || !form || !body) { return; }
    var papers = (data.papers || []).filter(function (p) {
      return p && KEY.test(p.key || "") && /^\d{4}-\d{2}$/.test(p.date || "");
    }).map(function (p) {
      var copy = Object.assign({}, p, { name: String(p.name || p.key), title: String(p.title || ""),
                                        links: p.links || {} });
      copy._text = haystack(copy);
      return copy;
    });
    var facets = facetsOf(data), state = readState(facets), shown = [];
    var q = byId("awm-q"), sort = byId("awm-sort");
    q.value = state.q;
    sort.value = state.sort;
    if (sort.value !== state.sort) { state.sort = sort.value = "date-desc"; }

    function update() {
      shown = sorted(papers.filter(function (p) { return matches(p, facets, state); }),
                     state.sort);
      drawFacets(form, facets, papers, state, update);
      drawList(body, shown, facets);
      byId("awm-count").textContent = "Showing " + shown.length + " of " + papers.length +
        " papers";
      byId("awm-bibtex").disabled = byId("awm-csv").disabled = shown.length === 0;
      var active = facets.reduce(function (n, f) { return n + state.chosen[f.id].length; }, 0);
      byId("awm-filter-box").querySelector("summary").textContent =
        active ? "Filters (" + active + " ticked)" : "Filters";
      writeState(facets, state);
    }
    q.addEventListener("input", function () { state.q = q.value.trim(); update(); });
    sort.addEventListener("change", function () { state.sort = sort.value; update(); });
    byId("awm-facets").addEventListener("submit", function (e) { e.preventDefault(); });
    if (window.matchMedia("(max-width: 44.9375em)").matches) {  // phones: the list first
      byId("awm-filter-box").open = false;
    }
    byId("awm-reset").addEventListener("click", function () {
      facets.forEach(function (f) { state.chosen[f.id] = []; });
      state.q = q.value = "";
      update();
    });
    byId("awm-bibtex").addEventListener("click", function () {
      download("papers.bib", "application/x-bibtex", toBibtex(shown, entries));
    });
    byId("awm-csv").addEventListener("click", function () {
      download("papers.csv", "text/csv", toCsv(shown));
    });
    update();
    window.awmPapers = { csvCell: csvCell, shown: function () { return shown.map(function (p) { return p.key; }); },
                         csv: function () { return toCsv(shown); },
                         bibtex: function () { return toBibtex(shown, entries); } };
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
