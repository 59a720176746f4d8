/* Perimeter editor: figures of a set of units (no DOM, no Leaflet).
 *
 * createModel(payload) reads the JSON document written by
 * pipeline/render/editor/page.py and returns functions computing, for a
 * selection (Uint8Array over the units), every figure the panel shows. The
 * definitions are those of the pipeline.render.editor docstring; keep both in
 * step.
 */
(function (global) {
  'use strict';

  var Import = global.CptsEditorImport;
  var NNBSP = '\u202f';

  /** French number: narrow no-break space between thousands, decimal comma. */
  function formatNumber(value, decimals) {
    if (value === null || value === undefined || !isFinite(value)) { return 'non disponible'; }
    var digits = decimals || 0;
    var factor = Math.pow(10, digits);
    // Half-up rounding, as pipeline.render.report.format_number.
    var rounded = Math.sign(value) * Math.floor(Math.abs(value) * factor + 0.5 + 1e-9) / factor;
    var negative = rounded < 0;
    var parts = Math.abs(rounded).toFixed(digits).split('.');
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, NNBSP);
    var text = parts.length > 1 ? whole + ',' + parts[1] : whole;
    return (negative ? '\u2212' : '') + text;
  }

  function formatPercent(share, decimals) {
    if (share === null || share === undefined || !isFinite(share)) { return 'non disponible'; }
    return formatNumber(share * 100, decimals === undefined ? 1 : decimals) + NNBSP + '%';
  }

  /** Lower-case ASCII, accents dropped, punctuation as spaces (for the search box). */
  function fold(text) {
    // Letters without a decomposition spelt out (a review's « Ærø Œuvre ß » became the file « perimetre-r-oeuvre »).
    return String(text).toLowerCase().replace(/œ/g, 'oe').replace(/æ/g, 'ae').replace(/ø/g, 'o').replace(/ß/g, 'ss')
      .normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      .replace(/[^a-z0-9]+/g, ' ').trim();
  }

  /** A code typed by a person as TERRITORY=fichier: reads it (pipeline.geography.normalise_insee_code): trimmed,
   *  Corsica upper-cased, a lost leading zero restored, a spreadsheet's decimal read (« 4070.0 »). */
  function normaliseCode(raw) {
    var text = String(raw === null || raw === undefined ? '' : raw).trim();
    // Quotes around a code are dropped, except those of Excel's ="01001", which Import.normaliseCode reads.
    return Import.normaliseCode(/^="/.test(text) ? text : text.replace(/^"|"$/g, '')).code;
  }

  function decodeRing(flat) {
    var points = new Array(flat.length / 2);
    var x = 0;
    var y = 0;
    for (var k = 0; k < flat.length; k += 2) {
      x += flat[k];
      y += flat[k + 1];
      points[k / 2] = [x, y];
    }
    return points;
  }

  function pointKey(p) {
    // Integer coordinates below 2^25 in absolute value: an exact number key.
    return (p[0] + 33554432) * 67108864 + (p[1] + 33554432);
  }

  function createModel(D) {
    var U = D.units;
    var n = U.code.length;
    var P = D.perimeters;
    var index = new Map();
    for (var i = 0; i < n; i++) { index.set(U.code[i], i); }
    var otherClaims = new Array(n);
    var initial = new Uint8Array(n);
    // Communes the edited CPTS's listing names outside the loaded départements (null: a drawn part, how many
    // unknown): absent from every page, its taille is « non disponible », as in its diagnostic.
    var beyondTheLoad = 0;
    // Their population (the national COG's; null when unknown): the taille is the whole CPTS's, as its diagnostic's
    // (a review: « non disponible » where the diagnostic gives it).
    var beyondPopulation = 0;
    // Units of the edited CPTS loaded but outside this page's zone (not drawn): its population, taille and flows
    // here are those of its part in the zone only, so they are « non disponible », not partial figures read as the
    // CPTS's (a review: a CPTS crossing the région's boundary read « taille 1, il manque 20 112 habitants »).
    var beyondTheZone = 0;
    // The CPTS edited (null: a new perimeter, whose codes off the page make its population unknown).
    var editedCpts = null;

    /** Set the perimeter edits start from, and the CPTS being edited (name and listing, or null); ``outsideZone``:
        how many of its units outside the zone it keeps (an imported redraw may have dropped some), else its
        listing's; ``outsideLoad``: which of its listed codes beyond the load it keeps (the same; a re-check: a
        redraw without them read « taille non disponible » where its file's diagnostic gives one). */
    function rebase(units, edited, listing, outsideZone, outsideLoad) {
      beyondTheLoad = 0;
      beyondPopulation = 0;
      beyondTheZone = 0;
      editedCpts = edited;
      for (var p = 0; p < P.nom.length; p++) {
        if (P.nom[p] !== edited || P.liste[p] !== listing) { continue; }
        if (P.hors_base && P.hors_base[p]) { beyondTheLoad = P.hors_base[p] < 0 ? null : P.hors_base[p]; }
        if (P.hors_zone && P.hors_zone[p]) { beyondTheZone = P.hors_zone[p]; }
        if (beyondTheLoad === null || !P.hors_base_codes) { beyondPopulation = null; continue; }
        // Listed codes count in their current commune; another code beyond the load (a commune added, or a former
        // code the listing does not give) counts as one, of unknown population.
        var kept = Array.isArray(outsideLoad) ? outsideLoad : P.hors_base_codes[p];
        var communes = new Set();
        // What each counts the population of: its current commune, an arrondissement itself (Lyon 1er is not Lyon).
        var unitPopulations = new Map();  // not « units »: rebase's parameter
        kept.forEach(function (code) {
          var i = P.hors_base_codes[p].indexOf(code);
          communes.add(i >= 0 ? P.hors_base_communes[p][i] : code);
          unitPopulations.set(i >= 0 && P.hors_base_unites ? P.hors_base_unites[p][i] : code,
                    i >= 0 && P.hors_base_populations ? P.hors_base_populations[p][i] : null);
        });
        // An arrondissement whose city is kept too is in it (its current commune is the city).
        kept.forEach(function (code) {
          var i = P.hors_base_codes[p].indexOf(code);
          if (i >= 0 && P.hors_base_unites && P.hors_base_unites[p][i] !== P.hors_base_communes[p][i] &&
              unitPopulations.has(P.hors_base_communes[p][i])) {
            unitPopulations.delete(P.hors_base_unites[p][i]);
          }
        });
        if (Array.isArray(outsideLoad)) { beyondTheLoad = communes.size; }
        if (communes.size !== beyondTheLoad) { beyondPopulation = null; }  // communes counted, not named: unknown
        unitPopulations.forEach(function (population) {
          beyondPopulation = beyondPopulation === null || population === null ? null : beyondPopulation + population;
        });
      }
      // A CPTS's units kept beyond the zone, or the codes of an imported plain list this page does not hold.
      if (typeof outsideZone === 'number') { beyondTheZone = outsideZone; }
      // Claims by CPTS other than the one being edited (its name in its listing, as the diagnostic leaves out).
      for (var u = 0; u < n; u++) {
        otherClaims[u] = U.claims[u].filter(function (p) { return P.nom[p] !== edited || P.liste[p] !== listing; });
        initial[u] = 0;
      }
      units.forEach(function (m) { initial[m] = 1; });
    }
    rebase(D.initial.units, D.initial.cpts, D.initial.liste);

    // Geometry: absolute integer rings per unit, and each distinct edge with the units on its sides.
    var rings = U.geom.map(function (polygons) {
      return polygons.map(function (polygon) { return polygon.map(decodeRing); });
    });
    var edgeA = [];
    var edgeB = [];
    var edgeCoords = [];
    var edgeOf = new Map();
    rings.forEach(function (polygons, unit) {
      polygons.forEach(function (polygon) {
        polygon.forEach(function (ring) {
          for (var k = 0; k < ring.length; k++) {
            var a = ring[k];
            var b = ring[(k + 1) % ring.length];
            var ka = pointKey(a);
            var kb = pointKey(b);
            var key = ka < kb ? ka + ':' + kb : kb + ':' + ka;
            var e = edgeOf.get(key);
            if (e === undefined) {
              edgeOf.set(key, edgeA.length);
              edgeA.push(unit);
              edgeB.push(-1);
              edgeCoords.push([a, b]);
            } else if (edgeB[e] === -1) {
              if (edgeA[e] === unit) {
                edgeA[e] = -2; // the same unit on both sides: never an outline
              } else {
                edgeB[e] = unit;
              }
            }
          }
        });
      });
    });
    edgeOf = null;

    /** Edges with exactly one side selected: the selection's outline, as [[x, y], [x, y]] pairs. */
    function outline(selected) {
      var out = [];
      for (var e = 0; e < edgeA.length; e++) {
        var a = edgeA[e];
        if (a === -2) { continue; }
        var inA = selected[a] === 1;
        var inB = edgeB[e] >= 0 && selected[edgeB[e]] === 1;
        if (inA !== inB) { out.push(edgeCoords[e]); }
      }
      return out;
    }

    // Origin-destination table (compressed rows by origin).
    var od = D.od;
    var dest = Int32Array.from(od.dest);
    var vol = Float64Array.from(od.vol);
    var origin = new Int32Array(dest.length);
    for (var o = 0; o + 1 < od.start.length; o++) {
      for (var k = od.start[o]; k < od.start[o + 1]; k++) { origin[k] = o; }
    }

    /** Unit indices of a current code (a city code gives its arrondissements), or null. */
    function unitsOf(code) {
      if (index.has(code)) { return [index.get(code)]; }
      return D.cities[code] ? D.cities[code] : null;
    }

    /** Unit indices of codes; a former code (commune merged, déléguée or associée) is read as the unit it
     *  stands for, as the diagnostic reads it (listed apart, « 05088 → 05024 »); unknown codes listed apart. */
    function resolve(codes) {
      var found = [];
      var unknown = [];
      var former = [];
      // What each unknown entry was read as: null when it is no code at all (a review: « null » was said to be
      // outside the loaded départements, « 1004 » without a word that it was read as 01004).
      var readAs = {};
      var formerCodes = D.former || {};
      (codes || []).forEach(function (raw) {
        var code = normaliseCode(raw);
        readAs[String(raw).trim()] = code;
        var units = code === null ? null : unitsOf(code);
        if (units === null && code !== null && Object.prototype.hasOwnProperty.call(formerCodes, code)) {
          units = unitsOf(formerCodes[code]);
          if (units !== null) { former.push(code + ' → ' + formerCodes[code]); }
        }
        if (units !== null) {
          units.forEach(function (u) { found.push(u); });
        } else if (String(raw).trim() !== '') {
          unknown.push(String(raw).trim());
        }
      });
      return { units: found, unknown: unknown, former: former, readAs: readAs };
    }

    function sumPopulation(units) {
      // A sum over a unit with no population is itself unknown (null); the known part is kept apart.
      var total = 0;
      var missing = [];
      units.forEach(function (u) {
        if (U.population[u] === null) { missing.push(U.code[u]); } else { total += U.population[u]; }
      });
      return { population: missing.length ? null : total, known: total, missing: missing };
    }

    function codes(units) { return units.map(function (u) { return U.code[u]; }); }

    /** Zones with units in and out of the selection. ``beyondLoad``: the edited CPTS has communes outside the
     *  loaded départements; ``beyondPage``: units outside this page's zone. Either are in no zone of the page: a
     *  zone reaching there may hold some, so its units in the perimeter are unknown (null), as the diagnostic's
     *  « non disponible » (a review: the Gapençais from the 04's page read « 1 unité sur 26 » for 14). */
    function cutGroups(selected, groupOf, table, beyondLoad, beyondPage) {
      var counts = new Int32Array(table.code.length);
      var onPage = new Int32Array(table.code.length);
      for (var u = 0; u < n; u++) {
        if (groupOf[u] >= 0) {
          onPage[groupOf[u]] += 1;
          if (selected[u]) { counts[groupOf[u]] += 1; }
        }
      }
      var cut = [];
      for (var g = 0; g < counts.length; g++) {
        if (counts[g] > 0 && counts[g] < table.total[g]) {
          var unknown = (beyondLoad && table.hors_base !== undefined && table.hors_base[g] > 0) ||
            (beyondPage && onPage[g] < table.total[g]);
          cut.push({ code: table.code[g], nom: table.nom[g], unites_dans_perimetre: unknown ? null : counts[g],
                     unites_total: table.total[g] });
        }
      }
      return cut;
    }

    function flows(selected) {
      var residents = 0;
      var internal = 0;
      var unserved = 0;
      var made = 0;
      var incoming = 0;
      for (var k = 0; k < dest.length; k++) {
        var o = origin[k];
        var d = dest[k];
        var v = vol[k];
        var oIn = o < n && selected[o] === 1;
        var dIn = d >= 0 && d < n && selected[d] === 1;
        if (oIn) {
          if (d < 0) { unserved += v; } else { residents += v; if (dIn) { internal += v; } }
        }
        if (dIn) { made += v; if (!oIn) { incoming += v; } }
      }
      return {
        autoconfinement: residents > 0 ? internal / residents : null,
        attraction: made > 0 ? incoming / made : null,
        recours_residents: residents,
        recours_internes: internal,
        recours_non_affectes: unserved,
        recours_realises: made,
        recours_exterieurs_entrants: incoming
      };
    }

    /** The separate parts of the drawn units of a selection, as the diagnostic counts them (units within 50 m
     *  of each other are one part; part 1 the most populated, then the smallest code): the number of parts and
     *  the codes outside part 1; null without the adjacency. */
    function parts(members, selected) {
      if (!U.voisins) { return null; }
      var drawn = members.filter(function (m) { return U.geom[m].length > 0; });
      var unplaced = members.filter(function (m) { return U.geom[m].length === 0; });
      var label = new Int32Array(n).fill(-1);
      var groups = [];
      drawn.forEach(function (start) {
        if (label[start] >= 0) { return; }
        var group = [start];
        label[start] = groups.length;
        for (var k = 0; k < group.length; k++) {
          U.voisins[group[k]].forEach(function (v) {
            if (selected[v] && U.geom[v].length > 0 && label[v] < 0) { label[v] = groups.length; group.push(v); }
          });
        }
        groups.push(group);
      });
      var ranked = groups.map(function (group) {
        return { units: group, population: group.reduce(function (s, m) { return s + (U.population[m] || 0); }, 0),
                 first: codes(group).sort()[0] };
      });
      ranked.sort(function (a, b) {
        return b.population - a.population || (a.first < b.first ? -1 : a.first > b.first ? 1 : 0);
      });
      var apart = [];
      ranked.slice(1).forEach(function (g) { apart = apart.concat(codes(g.units).sort()); });
      // A unit without polygon cannot be placed: the continuity of the whole perimeter is unknown (null).
      return { count: unplaced.length ? null : ranked.length, drawnCount: ranked.length, apart: apart,
               unplaced: codes(unplaced) };
    }

    /** Every figure of the panel for a selection (Uint8Array of length n). */
    function compute(selected) {
      var members = [];
      for (var u = 0; u < n; u++) { if (selected[u]) { members.push(u); } }
      var pop = sumPopulation(members);
      var byYear = {};
      members.forEach(function (m) {
        if (U.population[m] !== null) {
          var year = U.annee[m] === null ? 'inconnue' : String(U.annee[m]);
          byYear[year] = (byYear[year] || 0) + U.population[m];
        }
      });
      var taille = null;
      // With communes beyond the load, the whole CPTS's population (theirs from the national COG).
      var whole = beyondTheLoad === 0 ? pop.population
        : beyondTheLoad === null || beyondPopulation === null || pop.population === null ? null
          : pop.population + beyondPopulation;
      if (members.length && whole !== null && beyondTheZone === 0) {
        taille = 1 + D.aci.bounds.filter(function (b) { return whole >= b; }).length;
      }
      var shared = members.filter(function (m) { return otherClaims[m].length > 0; });
      var byCpts = new Map();
      shared.forEach(function (m) {
        otherClaims[m].forEach(function (p) {
          if (!byCpts.has(p)) { byCpts.set(p, []); }
          byCpts.get(p).push(m);
        });
      });
      var partage = [];
      byCpts.forEach(function (units, p) {
        partage.push({ cpts: P.nom[p], liste: P.liste[p], communes: codes(units),
                       population: sumPopulation(units).population });
      });
      partage.sort(function (a, b) {
        return (b.population || 0) - (a.population || 0) || (a.cpts < b.cpts ? -1 : a.cpts > b.cpts ? 1 : 0);
      });
      var created = [];
      var absorbed = [];
      // Claimed by no loaded CPTS in a région no loaded listing speaks for: unknown, never a white zone.
      var unknown = [];
      var added = [];
      var removed = [];
      for (var w = 0; w < n; w++) {
        if (initial[w] && !selected[w]) {
          removed.push(w);
          if (otherClaims[w].length === 0) { (U.couverture_connue[w] ? created : unknown).push(w); }
        }
        if (selected[w] && !initial[w]) {
          added.push(w);
          if (otherClaims[w].length === 0) { (U.couverture_connue[w] ? absorbed : unknown).push(w); }
        }
      }
      var sharedPop = sumPopulation(shared);
      // Units no loaded listing speaks for: whether another CPTS claims them is unknown, and so is the shared
      // population (the diagnostic: « les chevauchements … ne peuvent pas être recherchés »), never 0.
      var unlisted = members.filter(function (m) { return !U.couverture_connue[m] && otherClaims[m].length === 0; });
      if (unlisted.length) { sharedPop = { population: null }; }
      // Communes of the edited CPTS beyond the load (or a drawn part there): its residents' consultations to them
      // would count as leaving it, and where they lie is unknown, so self-containment, attraction and continuity
      // are « non disponible », as in its diagnostic (pertinence NOT_LOADED).
      var beyondLoad = members.length > 0 && beyondTheLoad !== 0;
      var beyondPage = members.length > 0 && beyondTheZone > 0;
      var beyond = beyondLoad || beyondPage;
      var f = flows(selected);
      var pieces = parts(members, selected);
      return {
        communes: codes(members),
        n_unites: members.length,
        // A new perimeter (an imported list) with codes this page lacks: its population is unknown here (a review:
        // Digne's « 17 979 habitants » for Digne and Gap); a CPTS's is that of its units here, its whole said apart.
        population: editedCpts === null && beyondTheZone > 0 ? null : pop.population,
        population_connue: pop.known,
        unites_sans_population: pop.missing,
        population_par_annee: byYear,
        annees_population: Object.keys(byYear).sort(),
        taille: taille,
        financement: taille === null ? null : D.aci.funding[String(taille)],
        communes_hors_base: beyondTheLoad,
        // The population the taille is established on when communes are beyond the load (null otherwise).
        population_territoire_entier: members.length && beyondTheLoad !== 0 && taille !== null ? whole : null,
        unites_hors_zone: beyondTheZone,
        version_aci: D.aci.version,
        unites_partagees: codes(shared),
        unites_sans_liste: codes(unlisted),
        population_partagee: sharedPop.population,
        // Of the whole CPTS's population, unknown when part of it is beyond the load or the page (a review: 0
        // where its diagnostic gives « non disponible »).
        part_population_partagee: (pop.population && sharedPop.population !== null && !beyond)
          ? sharedPop.population / pop.population : null,
        partage: partage,
        zones_blanches_creees: codes(created),
        population_zones_blanches_creees: sumPopulation(created).population,
        zones_blanches_absorbees: codes(absorbed),
        population_zones_blanches_absorbees: sumPopulation(absorbed).population,
        couverture_inconnue: codes(unknown),
        ajoutees: codes(added),
        retirees: codes(removed),
        autoconfinement: beyond ? null : f.autoconfinement,
        attraction: beyond ? null : f.attraction,
        recours_residents: f.recours_residents,
        recours_internes: f.recours_internes,
        recours_non_affectes: f.recours_non_affectes,
        recours_realises: f.recours_realises,
        recours_exterieurs_entrants: f.recours_exterieurs_entrants,
        // Beyond the load, as the diagnostic's summary: the parts drawn are counted, the perimeter's are unknown.
        parties: pieces === null || beyond ? null : pieces.count,
        parties_dessinees: pieces === null ? null : pieces.drawnCount,
        hors_partie_principale: pieces === null || beyond ? [] : pieces.apart,
        sans_contour: pieces === null ? [] : pieces.unplaced,
        bassins_coupes: cutGroups(selected, U.bv, D.bv, beyondLoad, beyondPage),
        epci_coupes: cutGroups(selected, U.epci, D.epci, beyondLoad, beyondPage)
      };
    }

    /** CSV read by TERRITORY=fichier: (code_insee, nom, and the CPTS being edited with its listing on each
     *  row when there is one), with a BOM so that spreadsheets read UTF-8: the selected units, then ``beyond``
     *  (the edited CPTS's units outside the page's zone, which the page neither draws nor lets be removed: kept,
     *  not read as removed by the diagnostic of the file). */
    function toCsv(selected, edited, listing, beyond) {
      var lines = [edited ? 'code_insee,nom,cpts_redessinee,liste' : 'code_insee,nom'];
      var redrawn = edited ? ',' + csvField(edited) + ',' + csvField(listing) : '';
      for (var u = 0; u < n; u++) {
        if (selected[u]) { lines.push(U.code[u] + ',' + csvField(U.nom[u]) + redrawn); }
      }
      (beyond || []).forEach(function (code) { lines.push(code + ',' + redrawn); });
      return '\ufeff' + lines.join('\r\n') + '\r\n';
    }

    return {
      n: n,
      index: index,
      rings: rings,
      initial: initial,
      otherClaims: otherClaims,
      rebase: rebase,
      resolve: resolve,
      outline: outline,
      compute: compute,
      toCsv: toCsv
    };
  }

  function csvField(text) {
    var value = String(text);
    // A leading = + - @ would be run as a formula by a spreadsheet; a leading quote is doubled so that
    // TERRITORY=fichier: (and the import) always undo the guard exactly.
    if (/^['=+\-@]/.test(value)) { value = "'" + value; }
    return /[",\r\n;]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value;
  }

  global.CptsEditorCore = {
    createModel: createModel,
    formatNumber: formatNumber,
    formatPercent: formatPercent,
    fold: fold,
    normaliseCode: normaliseCode,
    // The reading of an imported file lives in editor-import.js; kept here under their earlier names.
    codesFromCsv: Import.codesFromCsv,
    redrawnFromCsv: Import.redrawnFromCsv,
    CODE_COLUMNS: Import.CODE_COLUMNS,
    NAME_COLUMNS: Import.NAME_COLUMNS,
    NAME_WORDS: Import.NAME_WORDS,
    SMALL_WORDS: Import.SMALL_WORDS,
    FIRST_NAMES: Import.FIRST_NAMES
  };
})(window);
