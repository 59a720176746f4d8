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
  // A page opened on a CPTS (CPTS=) exports its units beyond the zone and the load too, as « Partir de » does.
  for (var started = 0; started < D.perimeters.nom.length; started++) {
    if (D.perimeters.nom[started] === base.cpts && D.perimeters.liste[started] === base.liste) {
      base.beyond = D.perimeters.hors_zone_codes[started].slice();
      base.beyondLoad = D.perimeters.hors_base_codes[started].slice();
    }
  }

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
      // Claimed by none where no loaded listing speaks: of unknown coverage, never painted as a white zone.
      fill = U.couverture_connue[u] ? '#f0c85a' : '#9aa3ad';
      opacity = U.couverture_connue[u] ? opacity : 0.35;
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
      box.appendChild(element('div', names.length ? 'CPTS : ' + names.join(' ; ') : U.couverture_connue[u]
        ? 'Aucune CPTS (zone blanche)' : 'Aucune CPTS connue : couverture inconnue (aucune liste chargée)'));
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

  var grouped = false;  // inside asOneEdit: the steps of one edit leave one undo entry

  function remember() {
    // The CPTS being edited too: undoing « Partir de » gives back the previous CPTS, not only its units.
    if (grouped) { return; }
    undoStack.push({ selected: Uint8Array.from(selected), base: base });
    if (undoStack.length > 200) { undoStack.shift(); }
  }

  /** Run ``steps`` (several edits: an import changes the CPTS edited, then the units) as one undo entry. */
  function asOneEdit(steps) {
    remember();
    grouped = true;
    try { return steps(); } finally { grouped = false; }
  }

  /** Edit from ``next`` (units, cpts, liste, nom): the claims left out, the name, the CPTS shown as the start. */
  function rebaseTo(next) {
    base = next;
    // What it keeps beyond the zone and the load (all its listing's, but for an imported redraw; undo comes here).
    model.rebase(base.units, base.cpts, base.liste, base.beyond ? base.beyond.length : undefined, base.beyondLoad);
    byId('perimeter-name').value = base.nom;
    showStart();
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

  /** The codes the page does not hold: unknown ones, or communes outside its zone, which the page cannot tell apart
   *  (a review: a commune of another département was called « inconnu »), and which its export leaves out, or keeps
   *  (``kept``: an imported list's). */
  function absent(codes, readAs, kept) {
    var fate = kept ? 'gardés tels quels' : 'absents de l\'export';  // as the categories' words, in the plural
    readAs = readAs || {};
    function read(typed) { return Object.prototype.hasOwnProperty.call(readAs, typed) ? readAs[typed] : typed; }
    function shown(typed) { return read(typed) === typed ? typed : typed + ' lu ' + read(typed); }
    var notCodes = codes.filter(function (typed) { return read(typed) === null; });
    var valid = codes.filter(function (typed) { return read(typed) !== null; });
    // Those of a département the database does not hold are said so, as the command line says it (a re-check).
    var unloaded = valid.filter(function (typed) { return !isLoadedDepartement(read(typed)); });
    var other = valid.filter(function (typed) { return isLoadedDepartement(read(typed)); });
    return [notCodes.length ? notCodes.map(function (t) { return '« ' + t + ' »'; }).join(', ') +
      (notCodes.length > 1 ? ' (ne sont pas des codes INSEE)' : ' (n\'est pas un code INSEE)') : '',
      other.length ? other.map(shown).join(', ') + ' (codes inconnus, ou communes hors de la zone de cette page : ' +
      fate + ')' : '', unloaded.length ? unloaded.map(shown).join(', ') + ' (hors des départements ' +
      'chargés dans la base : ' + fate + ' ; make data DEPARTEMENTS=… les ajoute)' : ''
    ].filter(Boolean).join(' ; ');
  }

  /** Whether the page has the population of every commune a listed CPTS names beyond the load. */
  function wholeKnown(p) {
    var P = D.perimeters;
    var populations = (P.hors_base_populations || [])[p];
    return P.hors_base[p] > 0 && P.hors_base_codes[p].length > 0 && populations !== undefined &&
      populations.every(function (v) { return v !== null; });
  }

  /** The département of a commune code (three characters overseas: 976). */
  function departementOf(code) { return code.slice(0, 2) === '97' ? code.slice(0, 3) : code.slice(0, 2); }

  /** Whether the database holds the département of ``code`` (all of France when it names none). */
  function isLoadedDepartement(code) {
    var loaded = D.departements_charges || [];
    return loaded.length === 0 || loaded.indexOf(departementOf(code)) >= 0;
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
    message([found.unknown.length ? 'Codes absents de cette page, non ajoutés : ' + absent(found.unknown, found.readAs) : '',
      formerText(found.former)].filter(Boolean).join(' ; '), found.unknown.length === 0);
    return render();
  }

  function load(codes) {
    // One code as a plain string is a list of one, as add() and remove() take it (a review: a TypeError).
    var found = model.resolve(Array.isArray(codes) ? codes : codes === undefined || codes === null ? [] : [codes]);
    remember();
    selected = new Uint8Array(n);
    found.units.forEach(function (m) { selected[m] = 1; });
    lastUnknown = found.unknown;
    lastFormer = found.former;
    // Distinct units: two former codes of one commune nouvelle load it once.
    message(plural(new Set(found.units).size, 'unité chargée', 'unités chargées') +
      (found.unknown.length ? ' ; codes absents de cette page, non chargés : ' + absent(found.unknown, found.readAs) : '') +
      (found.former.length ? ' ; ' + formerText(found.former) : ''),
      found.unknown.length === 0);
    return render();
  }

  /** ``load``, for a new perimeter without the codes an imported list kept beyond the page: the codes given are
   *  the whole perimeter (a CPTS edited keeps its units beyond the zone and the load, as its listing has them). */
  function loadAnew(codes) {
    if (base.cpts !== null || !base.beyond || !base.beyond.length) { return load(codes); }
    return asOneEdit(function () {
      rebaseTo({ units: base.units, cpts: null, liste: null, nom: base.nom, beyond: [] });
      return load(codes);
    });
  }

  function startFrom(p) {
    remember();
    rebaseTo({ units: D.perimeters.units[p].slice(), cpts: D.perimeters.nom[p], liste: D.perimeters.liste[p],
      nom: D.perimeters.nom[p], beyond: D.perimeters.hors_zone_codes[p].slice(),
      beyondLoad: D.perimeters.hors_base_codes[p].slice() });
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

  /** The edited CPTS's units outside the page's zone: those it is listed with when started from, those of the
   *  imported file when read from one (a review: the export left them out while naming the CPTS redrawn, so its
   *  diagnostic read them as removed: 12 units, 112 994 inhabitants, against 14 and 121 400). */
  function beyondTheZone() { return base.beyond ? base.beyond : []; }

  /** The edited CPTS's communes its listing names outside the loaded départements: written back by « Exporter »
   *  as listed (a review: left out, the file's diagnostic read the CPTS without them, taille 1 where the page said
   *  « non disponible »); that diagnostic then asks for their départements to be loaded. */
  function beyondTheLoad() { return base.cpts !== null && base.beyondLoad ? base.beyondLoad : []; }

  function csvText() { return model.toCsv(selected, base.cpts, base.liste, beyondTheZone().concat(beyondTheLoad())); }

  function exportCsv() {
    if (!currentState().n_unites && !beyondTheZone().length) {
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
    var beyond = beyondTheZone();
    var many = beyond.length > 1 ? 's' : '';
    var shown = ' (' + beyond.slice(0, 5).join(', ') + (beyond.length > 5 ? ' …' : '') + ')';
    // An imported list's codes the page lacks, or the edited CPTS's units beyond the zone.
    var kept = !beyond.length ? '' : base.cpts === null
      ? ', et ' + plural(beyond.length, 'code absent', 'codes absents') + ' de cette page, gardé' + many + ' tel' +
        many + ' qu’importé' + many + shown
      : ', et ' + plural(beyond.length, 'unité', 'unités') + ' de ' + base.cpts + ' hors de la zone de cette page, ' +
        'gardée' + many + ' telle' + many + ' que listée' + many + shown;
    message(plural(currentState().n_unites, 'unité exportée', 'unités exportées') + kept +
      loadedLater(beyondTheLoad(), base.imported), true);
  }

  /** What an import says of the redrawn CPTS's codes beyond the load: its communes there (former codes of one
   *  commune count once, as the panel counts them; a re-check read « 3 communes » for one), kept for the export. */
  function beyondTheLoadNote(codes) {
    var count = communesBeyondTheLoad(codes);
    return plural(count, 'commune', 'communes') + ' de ' + base.cpts + ' hors des départements chargés (' +
      plural(codes.length, 'code', 'codes') + '), gardée' + (count > 1 ? 's' : '') + ' pour l’export';
  }

  /** The communes of ``codes`` beyond the load as the panel counts them (merged former codes once). */
  function communesBeyondTheLoad(codes) {
    var communes = currentState().communes_hors_base;
    return typeof communes === 'number' ? communes : codes.length;
  }

  /** What the export says of the CPTS's communes beyond the load: kept, and their départements to load. */
  function loadedLater(codes, imported) {
    if (!codes.length) { return ''; }
    var deps = [];
    codes.forEach(function (code) {
      if (deps.indexOf(departementOf(code)) < 0) { deps.push(departementOf(code)); }
    });
    deps.sort();
    var count = communesBeyondTheLoad(codes);  // a re-check read « 57 communes » for 55
    var many = count > 1;
    return ' ; ' + plural(count, 'commune', 'communes') + ' de ' + base.cpts + ' hors des départements chargés (' +
      plural(codes.length, 'code', 'codes') + '), gardée' + (many ? 's' : '') + (imported ? ' comme dans le fichier ' +
      'importé' : ' telle' + (many ? 's' : '') + ' que listée' + (many ? 's' : '')) +
      ' : le diagnostic du fichier demande de charger ' + (deps.length > 1 ? 'les départements ' :
      'le département ') + deps.join(', ') + ' (make data DEPARTEMENTS=…)';
  }

  byId('btn-export').addEventListener('click', exportCsv);
  byId('btn-undo').addEventListener('click', function () {
    if (!undoStack.length) { return; }
    var previous = undoStack.pop();
    selected = previous.selected;
    if (previous.base !== base) { rebaseTo(previous.base); restyleAll(); }
    lastUnknown = [];
    lastFormer = [];
    message('Dernière modification annulée', true);
    render();
  });
  byId('btn-reset').addEventListener('click', function () {
    // A new perimeter starts empty: an imported list's codes kept beyond the page go too (a review: Digne dropped,
    // Gap kept, after « Réinitialiser »).
    loadAnew(base.units.map(function (m) { return U.code[m]; }));
  });
  byId('btn-clear').addEventListener('click', function () {
    loadAnew([]);
    message('Périmètre vidé', true);  // not « 0 unité chargée » (a review)
  });
  byId('btn-import').addEventListener('click', function () { byId('file-import').click(); });
  byId('file-import').addEventListener('change', function (event) {
    var file = event.target.files[0];
    if (!file) { return; }
    event.target.value = '';
    // files.decode_text: a UTF-16 file (Excel's « Texte Unicode ») is refused, as on the command line. Read as text,
    // the browser would follow its byte-order mark and load it (a review).
    file.slice(0, 4).arrayBuffer().then(function (head) {
      var bom = new Uint8Array(head);
      if (bom.length >= 2 && ((bom[0] === 0xff && bom[1] === 0xfe) || (bom[0] === 0xfe && bom[1] === 0xff))) {
        message('Le fichier est encodé en UTF-16 (export « Texte Unicode » d’Excel ?) ; réenregistrez-le en ' +
                '« CSV UTF-8 » (' + file.name + ') ; rien n’est chargé');
        return;
      }
      // A workbook (a zip: « PK\x03\x04 »), which TERRITORY=fichier: reads but the page cannot.
      if (bom.length === 4 && bom[0] === 0x50 && bom[1] === 0x4b && bom[2] === 0x03 && bom[3] === 0x04) {
        message('Le fichier est un classeur (' + file.name + ') : la page ne lit que les fichiers CSV ; ' +
                'enregistrez-le en « CSV UTF-8 » ; rien n’est chargé');
        return;
      }
      readImported(file);
    }, function () { message('Lecture impossible de ' + file.name); });
  });

  function readImported(file) {
    var reader = new FileReader();
    reader.onload = function () {
      var decoded = Import.decodeBytes(new Uint8Array(reader.result));
      if (decoded.error) {
        message(decoded.error + ' (' + file.name + ') ; rien n’est chargé');
        return;
      }
      var text = decoded.text;
      var table = Import.readTable(text);
      if (table.error && table.error !== 'Fichier vide') {
        message(table.error + ' (' + file.name + ') ; rien n’est chargé');
        return;
      }
      if (!table.error && table.code < 0) {
        message('Colonne de codes absente dans ' + file.name + ' : attendu l’une de ' + Import.CODE_COLUMNS.join(', ') +
                ' (comme pour TERRITORY=fichier:) ; rien n’est chargé');
        return;
      }
      var codes = table.error ? [] : Import.codesFromCsv(text);
      if (!codes.length) {
        message('Aucun code INSEE lu dans ' + file.name);
        return;
      }
      var pageUnits = U.code.map(function (code, i) { return { code: code, nom: U.nom[i] }; });
      var notCodes = table.error ? [] : Import.nonCodeCells(table);
      if (notCodes.length) {
        message('Territoire non lu (' + file.name + ') : ' + notCodes.slice(0, 5).join(' ; ') +
                (notCodes.length > 5 ? ' … (' + notCodes.length + ' en tout)' : '') + ' ; la page ne lit que les ' +
                'codes INSEE (TERRITORY=fichier: lit aussi les noms de communes) ; rien n’est chargé');
        return;
      }
      // As TERRITORY=fichier:: names that are not their codes' (postal codes given as INSEE codes) refuse the file.
      var names = Import.checkNames(table, namesOf, pageUnits);
      if (names.error) {
        message(names.error + ' (' + file.name + ') ; rien n’est chargé');
        return;
      }
      var target = importedTarget(Core.redrawnFromCsv(text), file.name);
      if (!target) { return; }
      // The CPTS's units outside the page's zone, as an export of it writes them: kept, not « inconnus ».
      // So is, in a redraw, any code of a loaded département the page does not hold (a commune added beyond the
      // zone: a re-check saw it dropped and the page's figures contradict the file's diagnostic); not a former code
      // of a commune of the page, which is read as that commune.
      var outside = target.p >= 0 ? D.perimeters.hors_zone_codes[target.p] : [];
      var unloaded = target.p >= 0 ? D.perimeters.hors_base_codes[target.p] : [];
      var former = D.former || {};
      var normalised = codes.map(Import.normaliseCode);  // read once: { code, note } per typed code
      var typed = normalised.map(function (c) { return c.code; });
      // A code the page can place nowhere: no unit of it, no former code of one, no city of arrondissements.
      function offPage(code) {
        return !model.index.has(code) && !Object.prototype.hasOwnProperty.call(former, code) && !D.cities[code];
      }
      var kept = typed.filter(function (code, i, all) {
        if (code === null || all.indexOf(code) !== i || unloaded.indexOf(code) >= 0) { return false; }  // once
        return outside.indexOf(code) >= 0 || (target.p >= 0 && offPage(code) && isLoadedDepartement(code));
      });
      // Its communes beyond the load, as an export of it writes them, and any code of a département the database
      // does not hold (a former code, a commune added): kept for the next export, not « inconnus » (a re-check).
      var keptUnloaded = target.p < 0 ? [] : typed.filter(
        function (code, i, all) {
          if (code === null || model.index.has(code) || all.indexOf(code) !== i) { return false; }
          return unloaded.indexOf(code) >= 0 || !isLoadedDepartement(code);
        });
      var absentCodes = target.p >= 0 ? [] : typed.filter(function (code, i, all) {
        return code !== null && all.indexOf(code) === i && offPage(code);
      });
      // One import, one undo entry: the CPTS edited and the units change together.
      asOneEdit(function () {
        if (target.p >= 0) {
          startFrom(target.p);
          base.beyond = kept;  // as the file has them, which another page may have changed
          base.beyondLoad = keptUnloaded;
          base.imported = true;
          // Its figures, whole when none is kept beyond the zone or the load.
          model.rebase(base.units, base.cpts, base.liste, kept.length, keptUnloaded);
        } else if (target.nom !== undefined || base.cpts === null) {
          // A plain list's codes the page does not hold (outside its zone or the load, or unknown) are kept for the
          // export and make its figures « non disponible », as TERRITORY=fichier: counts or refuses them (a review:
          // Gap dropped, « taille 1 » where the file's diagnostic gives 2).
          rebaseTo({ units: [], cpts: null, liste: null, beyond: absentCodes,
                     nom: target.nom !== undefined ? target.nom : byId('perimeter-name').value });
          restyleAll();
        }
        load(codes.filter(function (c, i) {
          return [kept, keptUnloaded, absentCodes].every(function (set) { return set.indexOf(typed[i]) < 0; });
        }));
        lastUnknown = lastUnknown.concat(absentCodes);  // not on the page, still its state's « codes_inconnus »
      });
      var read = normalised.map(function (c) { return c.note; }).filter(Boolean);
      var notes = table.notes.concat(read, names.notes, kept.length ? [plural(kept.length, 'unité', 'unités') + ' de ' +
        base.cpts + ' hors de la zone de cette page, gardée' + (kept.length > 1 ? 's' : '') + ' pour l’export'] : [],
        keptUnloaded.length ? [beyondTheLoadNote(keptUnloaded)] : [],
        absentCodes.length ? [plural(absentCodes.length, 'code absent', 'codes absents') + ' de cette page gardé' +
          (absentCodes.length > 1 ? 's' : '') + ' pour l’export : ' + absent(absentCodes, {}, true) + ' ; population, ' +
          'taille et flux du périmètre non disponibles ici'] : []);
      if (target.warning) {  // with what load() said (a re-check: the codes it could not place went unsaid)
        message([target.warning, byId('message').textContent].filter(Boolean).concat(notes).join(' ; '));
      } else if (notes.length || target.note) {
        message([byId('message').textContent].concat(target.note ? [target.note] : [], notes).join(' ; '),
          byId('message').className === 'ok');
      }
    };
    reader.onerror = function () { message('Lecture impossible de ' + file.name); };
    reader.readAsArrayBuffer(file);
  }

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
    // The communes déléguées keeping the code (« 04120;Meyronnes », Meyronnes being in Val d'Oronaye).
    ((D.autres_noms || {})[target] || []).forEach(function (name) { names.push(name); });
    // As pipeline.store.territory.file_names.check_names: the former communes merged into the code's commune
    // (« 04120;Larche », Larche being in Val d'Oronaye) name it too.
    Object.keys(former).forEach(function (old) {
      if (former[old] === target && D.former_noms && D.former_noms[old]) { names.push(D.former_noms[old]); }
    });
    return names.length ? names : null;
  }

  /** What an imported file is edited as, as the diagnostic of the file reads it: an export of a listed CPTS edits
   *  that CPTS again (``p``; its name exactly, else accents and case aside, in its listing); a CPTS this page does
   *  not list, or a plain commune list while a CPTS is edited, is a new perimeter (``nom``), as no CPTS is then
   *  left out of the sharing; null (said) when the file cannot be read so. */
  function importedTarget(redrawn, name) {
    if (redrawn === null) {
      // A plain list is no CPTS redrawn: the page's CPTS is another CPTS again, sharing its units, as the
      // diagnostic of the file counts it (a review: the population shared with Verdon was left out).
      return base.cpts === null ? { p: -1 } : { p: -1, nom: name.replace(/\.[^.]*$/, ''),
        note: 'liste sans colonne cpts_redessinee : importée comme un nouveau périmètre (comme TERRITORY=fichier: ' +
          'la lit), ' + base.cpts + ' n’est plus la CPTS éditée' };
    }
    if (redrawn.several) {
      message('Plusieurs CPTS redessinées dans ' + name + ' : un fichier redessine une seule CPTS ; rien n’est chargé');
      return null;
    }
    var listed = D.perimeters.nom.map(function (nom, p) { return p; }).filter(function (p) {
      // The listing's name as the diagnostic of the file compares it (same_name: « PACA » is « paca »).
      return !redrawn.liste || Core.fold(D.perimeters.liste[p]) === Core.fold(redrawn.liste);
    });
    var exact = listed.filter(function (p) { return D.perimeters.nom[p] === redrawn.cpts; });
    var close = listed.filter(function (p) { return Core.fold(D.perimeters.nom[p]) === Core.fold(redrawn.cpts); });
    var found = exact.length ? exact : close;
    if (found.length > 1) {  // as TERRITORY=fichier: refuses it
      message('CPTS redessinée « ' + redrawn.cpts + ' » présente dans plusieurs listes : précisez laquelle dans une ' +
        'colonne « liste » de ' + name + ' ; rien n’est chargé');
      return null;
    }
    if (found.length === 1) { return { p: found[0] }; }
    return { p: -1, nom: redrawn.cpts, warning: 'CPTS redessinée « ' + redrawn.cpts + ' »' +
      (redrawn.liste ? ' (liste ' + redrawn.liste + ')' : '') +
      ' absente de cette page : le périmètre importé est édité comme un nouveau périmètre' };
  }

  /** The start list shows the CPTS being edited (« — » for a new perimeter). */
  function showStart() {
    var shown = '';
    for (var p = 0; p < D.perimeters.nom.length; p++) {
      if (D.perimeters.nom[p] === base.cpts && D.perimeters.liste[p] === base.liste) { shown = String(p); }
    }
    startSelect.value = shown;
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
        // Its taille is its whole population's when the page has theirs (a re-check: « taille non disponible » here,
        // « Taille 1 » once started from).
        (D.perimeters.hors_base[p] ? ', et des communes hors des départements chargés' + (wholeKnown(p) ? ''
          : ' : taille non disponible') : '') +
        ')');
      option.value = String(p);
      startSelect.appendChild(option);
    });
  showStart();
  // A closed list changes its value at each arrow key: read so, three presses replaced the perimeter three times
  // (a review). From the keyboard, Entrée starts from the CPTS shown, and leaving the list puts back the one edited.
  var browsing = false;
  function startFromShown() {
    browsing = false;
    if (startSelect.value !== '') { startFrom(Number(startSelect.value)); }
  }
  startSelect.addEventListener('keydown', function (event) {
    if (event.key === 'Enter') {
      event.preventDefault();
      startFromShown();
    } else if (event.key !== 'Tab' && event.key !== 'Escape') {
      browsing = true;
    }
  });
  startSelect.addEventListener('change', function () {
    if (browsing) {
      message('Entrée pour partir de cette CPTS', true);
      return;
    }
    startFromShown();
  });
  startSelect.addEventListener('blur', function () {
    if (browsing) { browsing = false; showStart(); }
  });

  // ------------------------------------------------------------------ search

  function focusUnit(m) {
    if (!layers[m]) { message(unitLabel(U.code[m]) + ' : pas de contour sur la carte'); return; }
    map.fitBounds(layers[m].getBounds(), { maxZoom: 12, padding: [40, 40] });
    layers[m].setStyle({ color: '#111111', weight: 3, fillColor: '#ffe14d', fillOpacity: 0.9 });
    layers[m].openTooltip(layers[m].getBounds().getCenter());
    setTimeout(function () { if (layers[m]) { layers[m].setStyle(style(m)); } }, 2500);
  }

  window.CptsEditorSearch.create(D, model, panel, {
    isSelected: function (m) { return selected[m] === 1; },
    toggle: function (m) { toggleUnits([m]); },
    focus: focusUnit
  });

  // ------------------------------------------------------------------ API

  window.cptsEditor = {
    /** Add units (a code, or a city code for its arrondissements); returns state(). */
    add: function (code) { return setUnits(code, 1); },
    /** Remove units; returns state(). */
    remove: function (code) { return setUnits(code, 0); },
    /** Replace the perimeter by these codes; returns state(). */
    load: function (codes) { return loadAnew(codes); },
    /** Every figure of the panel (see the pipeline.render.editor docstring). */
    state: currentState,
    /** Start editing a listed CPTS (by name, and listing when a name is in several). */
    startFrom: function (name, listing) {
      for (var p = 0; p < D.perimeters.nom.length; p++) {
        if (D.perimeters.nom[p] === name && (listing === undefined || D.perimeters.liste[p] === listing)) {
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
