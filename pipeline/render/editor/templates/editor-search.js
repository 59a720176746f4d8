/* Perimeter editor: the commune search box and its list of results (a combobox).
 *
 * CptsEditorSearch.create(D, model, panel, actions) wires #search and #search-results; ``actions`` gives
 * ``isSelected(m)``, ``toggle(m)`` (add or remove a unit) and ``focus(m)`` (show it on the map). Names are
 * inserted with textContent, never as HTML.
 */
(function (global) {
  'use strict';

  /** Results shown at most; beyond, the list says how many more and asks for a narrower search. */
  var LIMIT = 15;

  function create(D, model, panel, actions) {
    var Core = global.CptsEditorCore;
    var Import = global.CptsEditorImport;
    var U = D.units;
    var n = model.n;
    var byId = panel.byId;
    var element = panel.element;

    // Names folded (« paris 17e arrondissement »), and as place names (« st paul » finds Saint-Paul-sur-Ubaye), as
    // the import compares them; a place key alone reads every arrondissement as its city's name.
    var folded = U.nom.map(Core.fold);
    var keyed = U.nom.map(Import.placeKey);
    // Every word of a name, folded and as a place name (« Revest-Saint-Martin »: revest, saint, martin), so that
    // « St Martin » finds it word by word.
    var words = U.nom.map(function (name, m) { return wordsOf(folded[m] + ' ' + keyed[m]); });
    var formerNames = Object.keys(D.former_noms || {}).map(function (code) {
      var key = Import.placeKey(D.former_noms[code]);
      return { key: key, words: wordsOf(key), code: code, nom: D.former_noms[code] };
    });
    var searchBox = byId('search');
    var results = byId('search-results');
    var active = -1;  // the result the arrow keys are on

    function wordsOf(text) { return text ? text.split(' ').filter(Boolean) : []; }

    /** Every word asked begins a word of the name (in any order). */
    function wordWise(asked, name) {
      return asked.length > 0 && asked.every(function (w) {
        return name.some(function (v) { return v.indexOf(w) === 0; });
      });
    }

    /** { hits: [{ unit, ancien }], more }: units whose current name or code matches first (a code, then names
     *  beginning with the text, then word by word or inside), then those found through a former commune's name
     *  (``ancien``, said in the list); at most LIMIT, ``more`` the others. */
    function search(raw) {
      var text = raw.trim();
      var query = Core.fold(text);
      var key = Import.placeKey(text);
      var code = text.toUpperCase();
      var asked = [wordsOf(query), wordsOf(key)];
      // A code as the import reads it (« 4070 », a former code « 04071 »): its unit first.
      var typed = Core.normaliseCode(text);
      var ranked = [[], [], [], [], []];
      (typed === null ? [] : model.resolve([typed]).units).forEach(function (m) { ranked[0].push({ unit: m }); });
      if (!query && !ranked[0].length) { return { hits: [], more: 0 }; }
      for (var m = 0; m < n; m++) {
        var tier = U.code[m] === code || (query && folded[m].indexOf(query) === 0) ? 0
          : key && keyed[m].indexOf(key) === 0 ? 1
            : (query && folded[m].indexOf(query) > 0) || wordWise(asked[0], words[m]) || wordWise(asked[1], words[m])
              ? 2 : U.code[m].indexOf(code) === 0 ? 3 : -1;
        if (tier >= 0) { ranked[tier].push({ unit: m }); }
      }
      formerNames.forEach(function (f) {  // a former commune's name: the unit it is now, said as such
        if (key && (f.key.indexOf(key) === 0 || wordWise(asked[1], f.words))) {
          model.resolve([f.code]).units.forEach(function (u) { ranked[4].push({ unit: u, ancien: f.nom }); });
        }
      });
      var seen = new Set();
      var all = [].concat.apply([], ranked).filter(function (hit) {
        if (seen.has(hit.unit)) { return false; }
        seen.add(hit.unit);
        return true;
      });
      return { hits: all.slice(0, LIMIT), more: Math.max(0, all.length - LIMIT) };
    }

    function close() {
      results.hidden = true;
      searchBox.setAttribute('aria-expanded', 'false');
      searchBox.removeAttribute('aria-activedescendant');
    }

    // The results of the last query: a key typed ran the search for its keydown, then again for its input.
    var lastQuery = null;
    var lastFound = null;
    function searched(raw) {
      if (raw !== lastQuery) { lastQuery = raw; lastFound = search(raw); }
      return lastFound;
    }

    function show() {
      panel.empty('search-results');
      var found = searched(searchBox.value);
      var hits = found.hits;
      active = Math.min(active, hits.length - 1);
      searchBox.removeAttribute('aria-activedescendant');
      if (!hits.length && !searchBox.value.trim()) { close(); return; }
      if (!hits.length) { results.appendChild(element('li', 'Aucune unité de la zone ne correspond')); }
      hits.forEach(function (hit, k) {
        var m = hit.unit;
        var item = element('li');
        item.id = 'search-option-' + k;
        item.setAttribute('role', 'option');
        item.appendChild(element('span', U.nom[m] + (hit.ancien ? ' (ancienne commune ' + hit.ancien + ')' : '') +
          ' (' + U.code[m] + ', dép. ' + U.departement[m] + ')', 'label'));
        var button = element('button', actions.isSelected(m) ? 'Retirer' : 'Ajouter');
        button.type = 'button';
        button.tabIndex = -1;  // the arrows and Enter reach the results; Tab leaves the search (and closes the list)
        button.addEventListener('click', function (event) {
          event.stopPropagation();
          actions.toggle(m);
          show();
        });
        item.appendChild(button);
        item.addEventListener('click', function () { actions.focus(m); });
        if (k === active) {
          item.className = 'active';
          item.setAttribute('aria-selected', 'true');
          searchBox.setAttribute('aria-activedescendant', item.id);
        }
        results.appendChild(item);
      });
      if (found.more) {
        results.appendChild(element('li', '… et ' + found.more + (found.more > 1 ? ' autres' : ' autre') +
          ' : précisez la recherche', 'more'));
      }
      results.hidden = false;
      searchBox.setAttribute('aria-expanded', 'true');
    }

    results.tabIndex = -1;  // a scrolling list is focusable by Tab in Chromium: Tab leaves the search instead
    searchBox.setAttribute('role', 'combobox');
    searchBox.setAttribute('aria-controls', 'search-results');
    searchBox.setAttribute('aria-autocomplete', 'list');
    searchBox.setAttribute('aria-expanded', 'false');
    searchBox.addEventListener('input', function () { active = -1; show(); });
    searchBox.addEventListener('keydown', function (event) {
      var hits = searched(searchBox.value).hits;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        active = hits.length ? (active + (event.key === 'ArrowDown' ? 1 : hits.length)) % hits.length : -1;
        show();
      } else if (event.key === 'Enter') {
        // Enter on a result chosen with the arrows adds it (or removes it), as its button; else shows the first.
        if (active >= 0 && hits[active] !== undefined) {
          actions.toggle(hits[active].unit);
          show();
        } else if (hits.length) {
          actions.focus(hits[0].unit);
        }
      } else if (event.key === 'Escape') {
        searchBox.value = '';
        active = -1;
        close();
      }
    });
    // A press on a result keeps the focus in the box (its click then runs); leaving the search closes the list.
    results.addEventListener('mousedown', function (event) { event.preventDefault(); });
    byId('search').parentNode.addEventListener('focusout', function (event) {
      if (!event.relatedTarget || !event.currentTarget.contains(event.relatedTarget)) { close(); }
    });
    document.addEventListener('click', function (event) {
      if (!byId('panel').contains(event.target) || !event.target.closest('.search')) { close(); }
    });
    searchBox.addEventListener('focus', show);

    return { search: search, show: show };
  }

  global.CptsEditorSearch = { create: create };
})(window);
