/* Perimeter editor: map, edits, search and the window.cptsEditor API.
 *
 * Figures come from CptsEditorCore (editor-core.js), texts from CptsEditorPanel
 * (editor-panel.js). Every text taken from the
 * data (names of units, CPTS, listings) is inserted with textContent, never
 * as HTML.
 */
(function () {
  'use strict';

  var Core = window.CptsEditorCore;
  var Import = window.CptsEditorImport;
  var D = JSON.parse(document.getElementById('editor-data').textContent);
  var model = Core.createModel(D);
  var U = D.units;
  var n = model.n;

  var selected = Uint8Array.from(model.initial);
  var shown = new Uint8Array(n);   // selection the map styles currently show
  var undoStack = [];
  var lastUnknown = [];
  var lastFormer = [];
  var base = { units: D.initial.units.slice(), cpts: D.initial.cpts, liste: D.initial.liste, nom: D.initial.nom };

  var panel = window.CptsEditorPanel.create(D, model, function (m) { toggleUnits([m]); });
  var byId = panel.byId;
  var setText = panel.setText;
  var element = panel.element;
  var empty = panel.empty;
  var plural = panel.plural;
  var unitLabel = panel.unitLabel;
  var namesList = panel.namesList;
  var message = panel.message;
  var habitants = panel.habitants;

  // ------------------------------------------------------------------ map

  var map = L.map('map', { preferCanvas: true, zoomSnap: 0.25, attributionControl: false });
  var renderer = L.canvas({ padding: 0.3, tolerance: 1 });
  L.control.scale({ imperial: false }).addTo(map);
  var layers = new Array(n);
  var allBounds = L.latLngBounds([]);

  function toLatLng(point) { return [point[1] / D.scale, point[0] / D.scale]; }

  function style(u) {
    var others = model.otherClaims[u].length;
    var fill;
    var opacity = 0.55;
    if (selected[u]) {
      fill = others ? '#d1242f' : '#1f6feb';
    } else if (others === 0) {
      fill = '#f0c85a';
    } else if (others > 1) {
      fill = '#aa82d2';
      opacity = 0.5;
    } else {
      fill = '#ffffff';
      opacity = 0.75;
    }
    return { renderer: renderer, color: '#6b7785', weight: 0.7, opacity: 0.9, fillColor: fill, fillOpacity: opacity };
  }

  function tooltip(u) {
    return function () {
      var box = element('div');
      box.appendChild(element('b', U.nom[u] + ' (' + U.code[u] + ')'));
      var year = U.annee[u] === null ? '' : ' (population légale ' + U.annee[u] + ')';
      box.appendChild(element('div', habitants(U.population[u]) + year));
      var names = U.claims[u].map(function (p) { return D.perimeters.nom[p]; });
      box.appendChild(element('div', names.length ? 'CPTS : ' + names.join(' ; ') : 'Aucune CPTS (zone blanche)'));
      box.appendChild(element('div', selected[u] ? 'Dans le périmètre : cliquer pour retirer'
        : 'Hors du périmètre : cliquer pour ajouter', 'detail'));
      return box;
    };
  }

  for (var u = 0; u < n; u++) {
    if (!model.rings[u].length) { continue; }
    var latlngs = model.rings[u].map(function (polygon) {
      return polygon.map(function (ring) { return ring.map(toLatLng); });
    });
    var layer = L.polygon(latlngs, style(u));
    layer.bindTooltip(tooltip(u), { sticky: true, className: 'unit-tip', direction: 'top' });
    layer.on('click', (function (unit) { return function () { toggleUnits([unit]); }; })(u));
    layer.addTo(map);
    layers[u] = layer;
    allBounds.extend(layer.getBounds());
    shown[u] = selected[u];
  }

  function segmentsToLatLngs(segments) {
    return segments.map(function (segment) { return [toLatLng(segment[0]), toLatLng(segment[1])]; });
  }

  var cptsLayer = L.layerGroup();
  D.perimeters.units.forEach(function (units, p) {
    var mask = new Uint8Array(n);
    units.forEach(function (m) { mask[m] = 1; });
    var segments = model.outline(mask);
    if (segments.length) {
      L.polyline(segmentsToLatLngs(segments), {
        renderer: renderer, color: D.perimeters.couleur[p], weight: 2.4, opacity: 0.95, interactive: false
      }).addTo(cptsLayer);
    }
  });
  cptsLayer.addTo(map);
  var editedOutline = L.polyline([], { renderer: renderer, color: '#111111', weight: 3.6, interactive: false })
    .addTo(map);

  byId('show-cpts').addEventListener('change', function (event) {
    if (event.target.checked) { cptsLayer.addTo(map); } else { map.removeLayer(cptsLayer); }
    editedOutline.bringToFront();
  });

  function selectionBounds(units) {
    var b = L.latLngBounds([]);
    units.forEach(function (m) { if (layers[m]) { b.extend(layers[m].getBounds()); } });
    return b;
  }

  var startBounds = selectionBounds(D.initial.units);
  if (!startBounds.isValid()) { startBounds = allBounds; }
  if (startBounds.isValid()) { map.fitBounds(startBounds.pad(0.15), { padding: [20, 20] }); } else { map.setView([46.6, 2.4], 6); }

  var withoutPolygon = [];
  for (var w = 0; w < n; w++) { if (!layers[w]) { withoutPolygon.push(U.code[w]); } }
  setText('v-sans-contour', withoutPolygon.length
    ? plural(withoutPolygon.length, 'unité sans contour', 'unités sans contour') +
      ' (sélectionnables par la recherche) : ' + namesList(withoutPolygon)
    : '');

  function restyle() {
    for (var m = 0; m < n; m++) {
      if (layers[m] && shown[m] !== selected[m]) {
        layers[m].setStyle(style(m));
        shown[m] = selected[m];
        // An open tooltip says « cliquer pour ajouter / retirer »: refresh it.
        if (layers[m].isTooltipOpen()) { layers[m].getTooltip().update(); }
      }
    }
    editedOutline.setLatLngs(segmentsToLatLngs(model.outline(selected)));
    editedOutline.bringToFront();
  }

  function restyleAll() {
    for (var m = 0; m < n; m++) { if (layers[m]) { layers[m].setStyle(style(m)); shown[m] = selected[m]; } }
    restyle();
  }

  function currentState() {
    var s = model.compute(selected);
    s.nom = byId('perimeter-name').value;
    s.cpts_editee = base.cpts;
    s.perimetre_initial = base.units.map(function (m) { return U.code[m]; });
    s.codes_inconnus = lastUnknown.slice();
    s.codes_anciens = lastFormer.slice();
    return s;
  }

  function render() {
    restyle();
    var s = currentState();
    panel.render(s);
    byId('btn-undo').disabled = undoStack.length === 0;
    return s;
  }

  // ------------------------------------------------------------------ edits

  function remember() {
    // The CPTS being edited too: undoing « Partir de » gives back the previous CPTS, not only its units.
    undoStack.push({ selected: Uint8Array.from(selected), base: base });
    if (undoStack.length > 200) { undoStack.shift(); }
  }

  function toggleUnits(units) {
    if (!units.length) { return; }
    remember();
    // A city (all its arrondissements) is removed when all are in, added otherwise.
    var allIn = units.every(function (m) { return selected[m] === 1; });
    units.forEach(function (m) { selected[m] = allIn ? 0 : 1; });
    lastUnknown = [];
    lastFormer = [];
    message(units.length === 1 ? unitLabel(U.code[units[0]]) + (allIn ? ' retirée' : ' ajoutée') : '', true);
    render();
  }

  function formerText(former) {
    return former.length ? 'anciens codes lus comme les communes actuelles : ' + former.join(', ') : '';
  }

  function setUnits(codes, value) {
    var found = model.resolve(Array.isArray(codes) ? codes : [codes]);
    lastUnknown = found.unknown;
    lastFormer = found.former;
    if (found.units.length) {
      remember();
      found.units.forEach(function (m) { selected[m] = value; });
    }
    message([found.unknown.length ? 'Codes inconnus dans la zone : ' + found.unknown.join(', ') : '',
      formerText(found.former)].filter(Boolean).join(' ; '), found.unknown.length === 0);
    return render();
  }

  function load(codes) {
    var found = model.resolve(codes || []);
    remember();
    selected = new Uint8Array(n);
    found.units.forEach(function (m) { selected[m] = 1; });
    lastUnknown = found.unknown;
    lastFormer = found.former;
    // Distinct units: two former codes of one commune nouvelle load it once.
    message(plural(new Set(found.units).size, 'unité chargée', 'unités chargées') +
      (found.unknown.length ? ' ; codes inconnus dans la zone : ' + found.unknown.join(', ') : '') +
      (found.former.length ? ' ; ' + formerText(found.former) : ''),
      found.unknown.length === 0);
    return render();
  }

  function startFrom(p) {
    remember();
    base = { units: D.perimeters.units[p].slice(), cpts: D.perimeters.nom[p], liste: D.perimeters.liste[p],
      nom: D.perimeters.nom[p] };
    model.rebase(base.units, base.cpts, base.liste);
    byId('perimeter-name').value = base.nom;
    selected = Uint8Array.from(model.initial);
    lastUnknown = [];
    lastFormer = [];
    restyleAll();
    var target = selectionBounds(base.units);
    map.fitBounds(target.isValid() ? target.pad(0.15) : allBounds, { padding: [20, 20] });
    var outside = D.perimeters.hors_zone[p] || 0;
    // Units outside the page's zone are not drawn: the figures then cover part of the CPTS only, and say so.
    message('Édition de ' + base.cpts + ' (liste ' + D.perimeters.liste[p] + ')' + (outside ?
      ' : ' + outside + ' de ses ' + (base.units.length + outside) + ' unités ' + (outside > 1 ? 'sont' : 'est') +
      ' hors de la zone de cette page, ' +
      'les chiffres ne portent que sur sa partie dans la zone (' + plural(base.units.length, 'unité', 'unités') +
      ' ; choisissez une zone qui la ' +
      'contient entière)' : ''), true);
    return render();
  }

  function csvText() { return model.toCsv(selected, base.cpts, base.liste); }

  function exportCsv() {
    if (!currentState().n_unites) {
      message('Périmètre vide : rien à exporter');
      return;
    }
    var blob = new Blob([csvText()], { type: 'text/csv;charset=utf-8' });
    var link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = 'perimetre-' + panel.slug(byId('perimeter-name').value) + '.csv';
    document.body.appendChild(link);
    link.click();
    document.body.removeChild(link);
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
    message(plural(currentState().n_unites, 'unité exportée', 'unités exportées'), true);
  }

  byId('btn-export').addEventListener('click', exportCsv);
  byId('btn-undo').addEventListener('click', function () {
    if (!undoStack.length) { return; }
    var previous = undoStack.pop();
    selected = previous.selected;
    if (previous.base !== base) {
      base = previous.base;
      model.rebase(base.units, base.cpts, base.liste);
      byId('perimeter-name').value = base.nom;
      restyleAll();
    }
    lastUnknown = [];
    lastFormer = [];
    message('Dernière modification annulée', true);
    render();
  });
  byId('btn-reset').addEventListener('click', function () {
    load(base.units.map(function (m) { return U.code[m]; }));
  });
  byId('btn-clear').addEventListener('click', function () { load([]); });
  byId('btn-import').addEventListener('click', function () { byId('file-import').click(); });
  byId('file-import').addEventListener('change', function (event) {
    var file = event.target.files[0];
    if (!file) { return; }
    var reader = new FileReader();
    reader.onload = function () {
      var table = Import.readTable(reader.result);
      if (table.error && table.error !== 'Fichier vide') {
        message(table.error + ' (' + file.name + ') ; rien n’est chargé');
        return;
      }
      if (!table.error && table.code < 0) {
        message('Colonne de codes absente dans ' + file.name + ' : attendu l’une de ' + Import.CODE_COLUMNS.join(', ') +
                ' (comme pour TERRITORY=fichier:) ; rien n’est chargé');
        return;
      }
      var codes = table.error ? [] : Import.codesFromCsv(reader.result);
      if (!codes.length) {
        message('Aucun code INSEE lu dans ' + file.name);
        return;
      }
      // As TERRITORY=fichier:: names that are not their codes' (postal codes given as INSEE codes) refuse the file.
      var names = Import.checkNames(table, namesOf, U.code.map(function (code, i) {
        return { code: code, nom: U.nom[i] };
      }));
      if (names.error) {
        message(names.error + ' (' + file.name + ') ; rien n’est chargé');
        return;
      }
      var redrawn = importRedrawn(Core.redrawnFromCsv(reader.result), file.name);
      if (redrawn.ok) {
        load(codes);
        var read = codes.map(Import.normaliseCode).map(function (c) { return c.note; }).filter(Boolean);
        var notes = table.notes.concat(read, names.notes);
        if (redrawn.note) {
          message([redrawn.note].concat(notes).join(' ; '));
        } else if (notes.length) {
          message(byId('message').textContent + ' ; ' + notes.join(' ; '), byId('message').className === 'ok');
        }
      }
    };
    reader.onerror = function () { message('Lecture impossible de ' + file.name); };
    reader.readAsText(file, 'utf-8');
    event.target.value = '';
  });

  /** The names a code of an imported list may go by (its unit's, the commune's it was before a merger), or null
   *  for a code the page does not know (reported apart as unknown). */
  function namesOf(code) {
    var former = D.former || {};
    var target = model.index.has(code) ? code : Object.prototype.hasOwnProperty.call(former, code) ? former[code] : code;
    var names = [];
    if (model.index.has(target)) {
      names.push(U.nom[model.index.get(target)]);
    } else if (D.cities[target]) {  // « Marseille 1er Arrondissement » is read as Marseille, the city's name
      names.push(U.nom[D.cities[target][0]].replace(/\s+\d+(?:er|e)\s+Arrondissement$/i, ''));
    }
    if (D.former_noms && D.former_noms[code]) { names.push(D.former_noms[code]); }
    // As pipeline.store.territory.file_names.check_names: the former communes merged into the code's commune
    // (« 04120;Larche », Larche being in Val d'Oronaye) name it too.
    Object.keys(former).forEach(function (old) {
      if (former[old] === target && D.former_noms && D.former_noms[old]) { names.push(D.former_noms[old]); }
    });
    return names.length ? names : null;
  }

  /** An export of a CPTS being edited: edit that CPTS again, as the diagnostic of the file reads it (its name
   *  exactly, else accents and case aside, in its listing); a CPTS this page does not list makes it a new
   *  perimeter, as no CPTS is then left out of the sharing. ``ok`` false when the file cannot be read so. */
  function importRedrawn(redrawn, name) {
    if (redrawn === null) { return { ok: true }; }
    if (redrawn.several) {
      message('Plusieurs CPTS redessinées dans ' + name + ' : un fichier redessine une seule CPTS ; rien n’est chargé');
      return { ok: false };
    }
    var listed = D.perimeters.nom.map(function (nom, p) { return p; }).filter(function (p) {
      return !redrawn.liste || D.perimeters.liste[p] === redrawn.liste;
    });
    var exact = listed.filter(function (p) { return D.perimeters.nom[p] === redrawn.cpts; });
    var close = listed.filter(function (p) { return Core.fold(D.perimeters.nom[p]) === Core.fold(redrawn.cpts); });
    var found = exact.length ? exact : close;
    if (found.length > 1) {  // as TERRITORY=fichier: refuses it
      message('CPTS redessinée « ' + redrawn.cpts + ' » présente dans plusieurs listes : précisez laquelle dans une ' +
        'colonne « liste » de ' + name + ' ; rien n’est chargé');
      return { ok: false };
    }
    if (found.length === 1) {
      startSelect.value = String(found[0]);
      startFrom(found[0]);
      return { ok: true };
    }
    remember();
    base = { units: [], cpts: null, liste: null, nom: redrawn.cpts };
    model.rebase(base.units, null, null);
    byId('perimeter-name').value = base.nom;
    startSelect.value = '';
    restyleAll();
    return { ok: true, note: 'CPTS redessinée « ' + redrawn.cpts + ' »' + (redrawn.liste ? ' (liste ' + redrawn.liste + ')' : '') +
      ' absente de cette page : le périmètre importé est édité comme un nouveau périmètre' };
  }

  var startSelect = byId('start-cpts');
  D.perimeters.nom.map(function (name, p) { return p; })
    .sort(function (a, b) { return D.perimeters.nom[a].localeCompare(D.perimeters.nom[b], 'fr'); })
    .forEach(function (p) {
      var outside = D.perimeters.hors_zone[p] || 0;
      var count = D.perimeters.units[p].length + outside;
      var option = element('option', D.perimeters.nom[p] + ' (liste ' + D.perimeters.liste[p] + ', ' +
        count + (count > 1 ? ' unités' : ' unité') +
        (outside ? ', dont ' + outside + ' hors zone non affichées : chiffres partiels' : '') +
        (D.perimeters.hors_base[p] ? ', et des communes hors des départements chargés : taille non disponible' : '') +
        ')');
      option.value = String(p);
      startSelect.appendChild(option);
    });
  startSelect.addEventListener('change', function () {
    if (startSelect.value !== '') { startFrom(Number(startSelect.value)); }
  });

  // ------------------------------------------------------------------ search

  // Names folded (« paris 17e arrondissement »), and as place names (« st paul » finds Saint-Paul-sur-Ubaye), as
  // the import compares them; a place key alone reads every arrondissement as its city's name.
  var folded = U.nom.map(Core.fold);
  var keyed = U.nom.map(Import.placeKey);
  var formerNames = Object.keys(D.former_noms || {}).map(function (code) {
    return { key: Import.placeKey(D.former_noms[code]), code: code };
  });
  var searchBox = byId('search');
  var results = byId('search-results');
  var active = -1;  // the result the arrow keys are on

  function focusUnit(m) {
    if (!layers[m]) { message(unitLabel(U.code[m]) + ' : pas de contour sur la carte'); return; }
    map.fitBounds(layers[m].getBounds(), { maxZoom: 12, padding: [40, 40] });
    layers[m].setStyle({ color: '#111111', weight: 3, fillColor: '#ffe14d', fillOpacity: 0.9 });
    layers[m].openTooltip(layers[m].getBounds().getCenter());
    setTimeout(function () { if (layers[m]) { layers[m].setStyle(style(m)); } }, 2500);
  }

  function search(raw) {
    var text = raw.trim();
    var query = Core.fold(text);
    var key = Import.placeKey(text);
    var code = text.toUpperCase();
    // A code as the import reads it (« 4070 », a former code « 04071 »): its unit first.
    var typed = Core.normaliseCode(text);
    var first = typed === null ? [] : model.resolve([typed]).units;
    if (!query && !first.length) { return []; }
    formerNames.forEach(function (f) {  // a former commune's name: the unit it is now
      if (key && f.key.indexOf(key) === 0) { first = first.concat(model.resolve([f.code]).units); }
    });
    var named = [];
    var other = [];
    for (var m = 0; m < n; m++) {
      if (U.code[m] === code || (query && folded[m].indexOf(query) === 0)) { first.push(m); } else if (
        key && keyed[m].indexOf(key) === 0) { named.push(m); } else if (
        (query && folded[m].indexOf(query) > 0) || U.code[m].indexOf(code) === 0) { other.push(m); }
    }
    return first.concat(named, other).filter(function (m, k, all) { return all.indexOf(m) === k; }).slice(0, 15);
  }

  function showResults() {
    empty('search-results');
    var found = search(searchBox.value);
    active = Math.min(active, found.length - 1);
    results.hidden = found.length === 0 && !searchBox.value.trim();
    if (!found.length && searchBox.value.trim()) {
      results.appendChild(element('li', 'Aucune unité de la zone ne correspond'));
      results.hidden = false;
    }
    found.forEach(function (m) {
      var item = element('li');
      item.setAttribute('role', 'option');
      item.appendChild(element('span', U.nom[m] + ' (' + U.code[m] + ', dép. ' + U.departement[m] + ')', 'label'));
      var button = element('button', selected[m] ? 'Retirer' : 'Ajouter');
      button.type = 'button';
      button.addEventListener('click', function (event) {
        event.stopPropagation();
        toggleUnits([m]);
        showResults();
      });
      item.appendChild(button);
      item.addEventListener('click', function () { focusUnit(m); });
      if (results.children.length === active) { item.className = 'active'; item.setAttribute('aria-selected', 'true'); }
      results.appendChild(item);
    });
  }

  searchBox.addEventListener('input', function () { active = -1; showResults(); });
  searchBox.addEventListener('keydown', function (event) {
    var found = search(searchBox.value);
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      active = found.length ? (active + (event.key === 'ArrowDown' ? 1 : found.length)) % found.length : -1;
      showResults();
    } else if (event.key === 'Enter') {
      // Enter on a result chosen with the arrows adds it (or removes it), as its button; else shows the first.
      if (active >= 0 && found[active] !== undefined) {
        toggleUnits([found[active]]);
        showResults();
      } else if (found.length) {
        focusUnit(found[0]);
      }
    } else if (event.key === 'Escape') {
      searchBox.value = '';
      active = -1;
      showResults();
    }
  });
  document.addEventListener('click', function (event) {
    if (!byId('panel').contains(event.target) || !event.target.closest('.search')) { results.hidden = true; }
  });
  searchBox.addEventListener('focus', showResults);

  // ------------------------------------------------------------------ API

  window.cptsEditor = {
    /** Add units (a code, or a city code for its arrondissements); returns state(). */
    add: function (code) { return setUnits(code, 1); },
    /** Remove units; returns state(). */
    remove: function (code) { return setUnits(code, 0); },
    /** Replace the perimeter by these codes; returns state(). */
    load: function (codes) { return load(codes); },
    /** Every figure of the panel (see the pipeline.render.editor docstring). */
    state: currentState,
    /** Start editing a listed CPTS (by name, and listing when a name is in several). */
    startFrom: function (name, listing) {
      for (var p = 0; p < D.perimeters.nom.length; p++) {
        if (D.perimeters.nom[p] === name && (listing === undefined || D.perimeters.liste[p] === listing)) {
          startSelect.value = String(p);
          return startFrom(p);
        }
      }
      throw new Error('CPTS inconnue : ' + name);
    },
    undo: function () { byId('btn-undo').click(); return currentState(); },
    reset: function () { byId('btn-reset').click(); return currentState(); },
    csv: csvText,
    exportCsv: exportCsv,
    /** Outline of the perimeter: [[lon, lat], [lon, lat]] segments with one side in the perimeter. */
    outline: function () {
      return model.outline(selected).map(function (segment) {
        return segment.map(function (point) { return [point[0] / D.scale, point[1] / D.scale]; });
      });
    },
    /** The Leaflet map, for scripting. */
    map: map
  };
  render();
})();
