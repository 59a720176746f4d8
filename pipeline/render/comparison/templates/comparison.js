/* Comparison of the CPTS of a listing: sortable table and choropleth map with a selectable indicator.
   Reads the JSON of #comparison-data (layout: pipeline.render.comparison.page.payload). Exposes
   window.cptsComparison = { sortBy(key, descending), showIndicator(key), order(), indicator(),
   colourOf(anchor), classes(), zones(), frameZone(name) } for tests and scripts. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("comparison-data").textContent);
  var NA = "non disponible";
  var PALETTE = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"];
  var NA_COLOUR = "#d9d9d9";
  /* A CPTS with communes beyond the load: its figures are partial, neither classed nor coloured as the others. */
  var PARTIAL_COLOUR = "#f4e3d7";
  var PARTIAL_LABEL = "chiffres partiels (communes hors des départements chargés)";
  var PARTIAL_MARK = "(partielle)";
  var rows = D.rows.slice();
  var figures = {};
  D.figures.forEach(function (f) { figures[f.key] = f; });
  var state = { sortKey: null, descending: false, indicator: D.figures[0] ? D.figures[0].key : null, breaks: [] };

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }

  function format(value, figure) {
    if (value === null || value === undefined || (typeof value === "number" && !isFinite(value))) { return NA; }
    if (typeof value !== "number") { return String(value); }
    var v = figure && figure.percent ? value * 100 : value;
    var d = figure ? figure.decimals : 0;
    var s = new Intl.NumberFormat("fr-FR", { minimumFractionDigits: d, maximumFractionDigits: d }).format(v);
    return figure && figure.percent ? s + "\u202f%" : s;
  }

  // ---------------------------------------------------------------- header, meta, failures
  document.getElementById("title").textContent = D.meta.titre;
  document.getElementById("meta").textContent = D.meta.sous_titre;
  document.getElementById("sources").textContent = D.meta.sources;
  document.getElementById("table-note").textContent = D.meta.note;
  if (D.meta.demo) {
    var banner = document.getElementById("demo-banner");
    banner.textContent = D.meta.bandeau;
    banner.hidden = false;
  }
  if (D.failures.length) {
    var list = document.getElementById("failure-list");
    D.failures.forEach(function (f) { list.appendChild(el("li", f.cpts + " (liste " + f.liste + ")\u00a0: " + f.erreur)); });
    document.getElementById("failures").hidden = false;
  }

  // ---------------------------------------------------------------- table
  var columns = [
    { key: "cpts", label: "CPTS", text: true },
    { key: "taille", label: "Taille ACI", text: true },
    { key: "type_territoire", label: "Type de territoire (aire d'attraction dominante)", text: true },
    { key: "groupe_comparaison", label: "CPTS comparables", text: false },
    // Not a ranked figure: 1 is a perimeter in one piece, more an island, an enclave or a mistyped code.
    { key: "parties_du_perimetre", label: "Parties du périmètre", text: false }
  ].concat(D.figures.map(function (f) { return { key: f.key, label: f.label, figure: f }; }));

  function valueOf(row, key) {
    if (key === "cpts" || key === "taille" || key === "type_territoire" || key === "groupe_comparaison" ||
        key === "parties_du_perimetre") {
      return row[key];
    }
    return row.values[key];
  }

  function partialTitle(row) {
    var n = row.communes_hors_base;
    if (n === null || n === undefined) {
      return "Population partielle : périmètre dessiné en partie hors des départements chargés, seules les " +
        "communes chargées sont comptées (CPTS non classée)";
    }
    return "Population partielle\u00a0: " + n + (n > 1 ? " communes de la liste hors des départements chargés, non comptées"
      : " commune de la liste hors des départements chargés, non comptée") + " (CPTS non classée)";
  }

  function compare(a, b, key, descending) {
    var x = valueOf(a, key), y = valueOf(b, key);
    /* « non disponible » in a text column (a taille, a type) is missing as an empty number is: last either way. */
    var xMissing = x === null || x === undefined || x === NA, yMissing = y === null || y === undefined || y === NA;
    if (xMissing || yMissing) { return xMissing === yMissing ? a.cpts.localeCompare(b.cpts, "fr") : (xMissing ? 1 : -1); }
    /* A partial CPTS's figures count only its loaded communes: after the whole ones either way, as not ranked. */
    if (figures[key] && !a.partiel !== !b.partiel) { return a.partiel ? 1 : -1; }
    var c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), "fr");
    if (c === 0) { return a.cpts.localeCompare(b.cpts, "fr"); }
    return descending ? -c : c;
  }

  var head = document.getElementById("head");
  columns.forEach(function (c) {
    var th = el("th", c.label);
    th.scope = "col";
    th.dataset.key = c.key;
    th.tabIndex = 0;
    th.title = "Trier par cette colonne";
    function toggle() { sortBy(c.key, state.sortKey === c.key ? !state.descending : !c.text); }
    th.addEventListener("click", toggle);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(); } });
    head.appendChild(th);
  });

  function renderBody() {
    var body = document.getElementById("body");
    body.textContent = "";
    rows.forEach(function (row) {
      var tr = el("tr");
      tr.id = row.ancre;
      columns.forEach(function (c) {
        var td;
        if (c.key === "cpts") {
          td = el("td");
          if (row.rapport) {
            var a = el("a", row.cpts);
            a.href = row.rapport;
            td.appendChild(a);
          } else { td.textContent = row.cpts; }
        } else if (c.figure) {
          var v = row.values[c.key];
          var missing = v === null || v === undefined;
          /* A partial CPTS's population counts only its loaded communes: marked, never read as the whole CPTS's. */
          var partialPopulation = row.partiel && c.key === "population" && !missing;
          td = el("td", format(v, c.figure) + (partialPopulation ? " " + PARTIAL_MARK : ""), "num");
          if (missing) { td.classList.add("na"); }
          if (partialPopulation) { td.classList.add("partiel"); td.title = partialTitle(row); }
          var r = row.ranks[c.key];
          // Out of the CPTS of the group ranked on this figure, not the whole group (some have no value).
          if (r !== null && r !== undefined) { td.appendChild(el("span", "rang " + r + "/" + row.ranked[c.key], "rang")); }
        } else if (c.key === "groupe_comparaison" || c.key === "parties_du_perimetre") {
          var n = row[c.key];
          td = el("td", n === null || n === undefined ? NA : String(n), "num");
          if (c.key === "parties_du_perimetre" && n > 1) { td.classList.add("plusieurs"); }
        } else {
          td = el("td", row[c.key] === null ? NA : row[c.key]);
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function sortBy(key, descending) {
    if (!columns.some(function (c) { return c.key === key; })) { throw new Error("colonne inconnue : " + key); }
    state.sortKey = key;
    state.descending = !!descending;
    rows.sort(function (a, b) { return compare(a, b, key, state.descending); });
    Array.prototype.forEach.call(head.children, function (th) {
      th.setAttribute("aria-sort", th.dataset.key === key ? (state.descending ? "descending" : "ascending") : "none");
    });
    renderBody();
    return order();
  }

  function order() { return rows.map(function (r) { return r.cpts; }); }

  // ---------------------------------------------------------------- map
  var map = L.map("map", { zoomSnap: 0.25, attributionControl: false });
  window.cptsComparisonMap = map;  // for tests and scripts
  L.control.scale({ imperial: false }).addTo(map);
  var byAnchor = {};
  D.rows.forEach(function (r) { byAnchor[r.ancre] = r; });
  var layer = L.geoJSON(D.geo, {
    style: function () { return { color: "#333", weight: 1, fillOpacity: 0.8, fillColor: NA_COLOUR }; },
    onEachFeature: function (feature, lyr) {
      lyr.on("click", function () {
        var tr = document.getElementById(feature.properties.ancre);
        if (!tr) { return; }
        Array.prototype.forEach.call(document.querySelectorAll("tr.highlight"), function (x) { x.classList.remove("highlight"); });
        tr.classList.add("highlight");
        tr.scrollIntoView({ block: "center" });
      });
    }
  }).addTo(map);
  /* A listing may hold CPTS of mainland France and of overseas départements: framed together, the mainland ones
     were specks on a map 10 000 km wide (a review: PACA and Mayotte). Each zone is framed apart, the largest first,
     and a button per zone frames the others. */
  var ZONES = [
    { name: "France métropolitaine", box: [[41, -5.8], [51.5, 10]] }, { name: "Guadeloupe", box: [[15.8, -61.9], [16.6, -60.9]] },
    { name: "Martinique", box: [[14.3, -61.3], [14.95, -60.75]] }, { name: "Guyane", box: [[2, -54.7], [6, -51.5]] },
    { name: "La Réunion", box: [[-21.5, 55.1], [-20.8, 55.9]] }, { name: "Mayotte", box: [[-13.1, 44.9], [-12.55, 45.35]] }
  ];
  var zoneBounds = {};
  function zoneOf(bounds) {
    var zone = ZONES.filter(function (z) { return L.latLngBounds(z.box).contains(bounds.getCenter()); })[0];
    return zone ? zone.name : "Autres";
  }
  /* Each polygon of a perimeter in its zone: a CPTS of the 04 and Mayotte is counted where its largest part lies
     (a re-check: its box's centre, between both, made a zone « Autres » 1 000 km wide), each part framed with its
     own zone. */
  var parts = [];
  layer.eachLayer(function (lyr) {
    var geometry = lyr.feature.geometry;
    // Any other geometry (a collection left by the simplification) is one part, its bounds the layer's.
    var polygons = geometry.type === "MultiPolygon" ? geometry.coordinates
      : geometry.type === "Polygon" ? [geometry.coordinates] : [null];
    var mine = polygons.map(function (polygon) {
      var bounds = polygon === null ? lyr.getBounds()
        : L.latLngBounds(polygon[0].map(function (c) { return [c[1], c[0]]; }));
      var size = (bounds.getNorth() - bounds.getSouth()) * (bounds.getEast() - bounds.getWest());
      return { bounds: bounds, zone: zoneOf(bounds), size: size };
    });
    var main = mine.reduce(function (a, b) { return b.size > a.size ? b : a; });
    zoneBounds[main.zone] = zoneBounds[main.zone] || L.latLngBounds(main.bounds.getSouthWest(), main.bounds.getNorthEast());
    zoneBounds[main.zone].count = (zoneBounds[main.zone].count || 0) + 1;
    parts = parts.concat(mine);
  });
  parts.forEach(function (part) { if (zoneBounds[part.zone]) { zoneBounds[part.zone].extend(part.bounds); } });
  var zoneNames = Object.keys(zoneBounds).sort(function (a, b) { return zoneBounds[b].count - zoneBounds[a].count || (a < b ? -1 : 1); });
  function frameZone(name) {
    if (!zoneBounds[name]) { throw new Error("zone inconnue : " + name); }
    map.fitBounds(zoneBounds[name], { padding: [10, 10] });
    return name;
  }
  if (zoneNames.length) { frameZone(zoneNames[0]); } else { map.setView([46.6, 2.4], 5); }
  if (zoneNames.length > 1) {
    var zonesControl = L.control({ position: "topright" });
    zonesControl.onAdd = function () {
      var box = L.DomUtil.create("div", "zones leaflet-bar");
      zoneNames.forEach(function (name) {
        var button = L.DomUtil.create("button", "", box);
        button.type = "button";
        button.textContent = name + " (" + zoneBounds[name].count + ")";
        L.DomEvent.on(button, "click", function (e) { L.DomEvent.stop(e); frameZone(name); });
      });
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    zonesControl.addTo(map);
  }

  function quantileBreaks(values, k) {
    var sorted = values.slice().sort(function (a, b) { return a - b; });
    var out = [];
    for (var i = 1; i < k; i++) {
      var b = sorted[Math.min(sorted.length - 1, Math.floor(i * sorted.length / k))];
      if (out.indexOf(b) < 0 && b > sorted[0]) { out.push(b); }
    }
    /* Many CPTS at the minimum (no shared population: 0) swallowed the small values above it in one class « 0 à
       moins de 2 518 » (a review): the minimum is a class of its own whenever a quantile break fell on it. */
    var above = sorted.filter(function (v) { return v > sorted[0]; });
    var atMinimum = sorted.length - above.length;
    if (above.length && atMinimum > Math.floor(sorted.length / k) && out.indexOf(above[0]) < 0) {
      out.unshift(above[0]);
      out.sort(function (a, b) { return a - b; });
    }
    return out;
  }

  function comparable(row) { return row && !row.partiel; }

  /** ``value`` as the table shows it (a share in %, rounded to the figure's decimals), the value the classes are
   *  drawn on: classed exactly, 16,299 and 16,336, both shown « 16,3 », fell in « … à moins de 16,3 » while 16,347
   *  began the next class (a review). */
  function shown(value, figure) {
    if (value === null || value === undefined || typeof value !== "number" || !isFinite(value)) { return null; }
    var d = figure ? figure.decimals : 0;
    var v = figure && figure.percent ? value * 100 : value;
    /* Rounded by the table's own formatter (Intl rounds halves away from zero, Math.round does not: 0,145 read
       0,14 in its class but « 0,15 » in the table, a review), without grouping so that Number() reads it back. */
    var rounded = Number(new Intl.NumberFormat("en-US", { minimumFractionDigits: d, maximumFractionDigits: d,
                                                          useGrouping: false }).format(v));
    return figure && figure.percent ? rounded / 100 : rounded;
  }

  function classOf(value) {
    value = shown(value, figures[state.indicator]);
    if (value === null) { return -1; }
    var c = 0;
    while (c < state.breaks.length && value >= state.breaks[c]) { c++; }
    return c;
  }

  function colourOf(anchor) {
    var row = byAnchor[anchor];
    if (!row) { return null; }
    if (!comparable(row)) { return PARTIAL_COLOUR; }
    var c = classOf(row.values[state.indicator]);
    return c < 0 ? NA_COLOUR : PALETTE[Math.round(c * (PALETTE.length - 1) / Math.max(1, state.breaks.length))];
  }

  function showIndicator(key) {
    var figure = figures[key];
    if (!figure) { throw new Error("indicateur inconnu : " + key); }
    state.indicator = key;
    var values = D.rows.filter(comparable).map(function (r) { return shown(r.values[key], figure); })
      .filter(function (v) { return v !== null; });
    state.breaks = values.length ? quantileBreaks(values, PALETTE.length) : [];
    layer.eachLayer(function (lyr) {
      var anchor = lyr.feature.properties.ancre, row = byAnchor[anchor];
      lyr.setStyle({ fillColor: colourOf(anchor) });
      /* An element, never a string, which Leaflet would set as HTML: a listing's CPTS name is text (a name
         holding « <img onerror=…> » ran its script on the page). */
      lyr.bindTooltip(el("span", row ? row.cpts + "\u00a0: " + format(row.values[key], figure) : anchor),
                      { sticky: true });
    });
    document.getElementById("indicator").value = key;
    renderLegend(figure, values);
    return key;
  }

  function legendLine(legend, colour, text) {
    var line = el("div");
    var key = el("i");
    key.style.background = colour;
    line.appendChild(key);
    line.appendChild(el("span", text));
    legend.appendChild(line);
  }

  function renderLegend(figure, values) {
    var legend = document.getElementById("legend");
    legend.textContent = "";
    legend.appendChild(el("h3", figure.label));
    if (values.length) {
      var lows = [Math.min.apply(null, values)].concat(state.breaks);
      var highs = state.breaks.concat([Math.max.apply(null, values)]);
      lows.forEach(function (low, i) {
        var inClass = values.filter(function (v) { return classOf(v) === i; });
        var single = inClass.length && inClass.every(function (v) { return v === inClass[0]; });
        legendLine(legend, PALETTE[Math.round(i * (PALETTE.length - 1) / Math.max(1, state.breaks.length))],
          single ? format(inClass[0], figure)
            : format(low, figure) + (i < lows.length - 1 ? " à moins de " : " à ") + format(highs[i], figure));
      });
    }
    var partial = D.rows.filter(function (r) { return !comparable(r); }).length;
    if (partial) { legendLine(legend, PARTIAL_COLOUR, PARTIAL_LABEL + " (" + partial + ")"); }
    var missing = D.rows.length - partial - values.length;
    if (missing) { legendLine(legend, NA_COLOUR, NA + " (" + missing + ")"); }
  }

  var select = document.getElementById("indicator");
  D.figures.forEach(function (f) { var o = el("option", f.label); o.value = f.key; select.appendChild(o); });
  select.addEventListener("change", function () { showIndicator(select.value); });

  sortBy("cpts", false);
  if (state.indicator) { showIndicator(state.indicator); }
  if (location.hash) {
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target) { target.classList.add("highlight"); target.scrollIntoView({ block: "center" }); }
  }

  window.cptsComparison = {
    sortBy: sortBy,
    showIndicator: showIndicator,
    order: order,
    indicator: function () { return state.indicator; },
    colourOf: colourOf,
    classes: function () { return state.breaks.slice(); },
    zones: function () { return zoneNames.slice(); },
    frameZone: frameZone
  };
})();
