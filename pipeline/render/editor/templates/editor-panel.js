/* Perimeter editor: the panel beside the map (texts only; figures come from CptsEditorCore).
 *
 * CptsEditorPanel.create(D, model, onRemove) fills the header and the foot
 * once and returns render(state), which writes every figure of a state into
 * the panel, and small DOM helpers shared with editor-ui.js. Every text taken
 * from the data is inserted with textContent, never as HTML.
 */
(function (global) {
  'use strict';

  function create(D, model, onRemove) {
    var Core = global.CptsEditorCore;
    var U = D.units;
    var fmt = Core.formatNumber;
    var pct = Core.formatPercent;

    // ------------------------------------------------------------------ helpers

    function byId(id) { return document.getElementById(id); }

    function setText(id, text) { byId(id).textContent = text; }

    function element(tag, text, className) {
      var node = document.createElement(tag);
      if (text !== undefined && text !== null) { node.textContent = text; }
      if (className) { node.className = className; }
      return node;
    }

    function empty(id) {
      var node = byId(id);
      while (node.firstChild) { node.removeChild(node.firstChild); }
      return node;
    }

    function plural(count, one, many) { return fmt(count) + ' ' + (count > 1 ? many : one); }

    function habitants(value) { return value === null ? 'population non disponible' : fmt(value) + ' hab.'; }

    function unitLabel(code) {
      var u = model.index.get(code);
      return U.nom[u] + ' (' + code + ')';
    }

    function namesList(codes, limit) {
      var max = limit || 12;
      var names = codes.slice(0, max).map(unitLabel);
      if (codes.length > max) { names.push('… et ' + (codes.length - max) + ' autres'); }
      return names.join(', ');
    }

    function message(text, ok) {
      var node = byId('message');
      node.textContent = text || '';
      node.className = ok ? 'ok' : '';
    }

    function slug(text) { return Core.fold(text).replace(/ /g, '-').slice(0, 80) || 'perimetre'; }

    // ------------------------------------------------------------------ header and foot

    setText('title', D.meta.titre);
    setText('zone', D.meta.zone);
    if (D.meta.demo) {
      var banner = byId('demo-banner');
      banner.textContent = D.meta.bandeau;
      banner.hidden = false;
    }
    byId('perimeter-name').value = D.initial.nom;
    setText('sources', D.meta.sources ? 'Sources : ' + D.meta.sources : '');
    setText('generated', 'Page générée le ' + D.meta.date + '. Contours simplifiés pour l\'affichage (tolérance ' +
      fmt(D.meta.tolerance_m) + ' m) ; les chiffres portent sur les unités, pas sur les contours.');
    // The legend names what the map shows: unknown coverage where some unit has it, white zones where some may be.
    var known = U.couverture_connue.filter(function (k) { return k; }).length;
    byId('legend-unknown').hidden = known === U.code.length;
    byId('legend-white').hidden = known === 0;
    var notes = empty('notes');
    D.meta.notes.forEach(function (note) { notes.appendChild(element('li', note)); });

    // ------------------------------------------------------------------ panel

    function bandText(taille) {
      var b = D.aci.bounds;
      if (D.aci.bandes && D.aci.bandes[String(taille)]) { return D.aci.bandes[String(taille)]; }
      if (taille === 1) { return 'moins de ' + fmt(b[0]) + ' habitants'; }
      if (taille === b.length + 1) { return fmt(b[b.length - 1]) + ' habitants ou plus'; }
      return 'de ' + fmt(b[taille - 2]) + ' à moins de ' + fmt(b[taille - 1]) + ' habitants';
    }

    function fillList(id, items) {
      var list = empty(id);
      items.forEach(function (item) { list.appendChild(element('li', item)); });
    }

    function renderPopulation(s) {
      setText('v-population', s.n_unites === 0 ? '—' : s.population === null ? 'non disponible'
        : fmt(s.population) + ' habitants');
      var years = s.annees_population;
      var detail = '';
      if (years.length === 1) {
        detail = 'Population légale ' + years[0];
      } else if (years.length > 1) {
        detail = 'Populations légales de millésimes différents : ' + years.map(function (y) {
          return y + ' (' + fmt(s.population_par_annee[y]) + ' hab.)';
        }).join(', ');
      }
      if (s.unites_sans_population.length) {
        detail += (detail ? ' ; ' : '') + 'population inconnue pour ' + namesList(s.unites_sans_population) +
          ' (connue : ' + fmt(s.population_connue) + ' hab.)';
      }
      setText('v-population-detail', detail);
      var change = '';
      if (s.ajoutees.length || s.retirees.length) {
        change = ' (+' + s.ajoutees.length + ' / \u2212' + s.retirees.length + ' par rapport au périmètre initial)';
      }
      setText('v-units', plural(s.n_unites, 'unité', 'unités') + change);
    }

    /** Whether the edited CPTS reaches beyond this page's zone only (its other units loaded in the base). */
    function offPage(s) { return s.unites_hors_zone > 0 && s.communes_hors_base === 0; }

    /** Why the edited CPTS reaches beyond the loaded départements (its diagnostic's reason), or null. */
    function beyondWhy(s) {
      if (s.n_unites === 0) { return null; }
      if (offPage(s) && s.cpts_editee === null) {  // an imported list: what the page lacks is not known
        return plural(s.unites_hors_zone, 'code de la liste importée est absent', 'codes de la liste importée sont ' +
          'absents') + ' de cette page (hors de sa zone ou des départements chargés, ou inconnus)';
      }
      if (offPage(s)) {
        return plural(s.unites_hors_zone, 'unité de la CPTS est', 'unités de la CPTS sont') + ' hors de la zone ' +
          'de cette page (choisissez une zone qui la contient entière)';
      }
      if (s.communes_hors_base === 0) { return null; }
      return s.communes_hors_base === null ? 'une partie du périmètre dessiné de la CPTS ne recouvre aucune ' +
        'commune chargée dans la base' : s.communes_hors_base + (s.communes_hors_base > 1
          ? ' communes de la CPTS dans sa liste sont' : ' commune de la CPTS dans sa liste est') +
        ' hors des départements chargés dans la base (absentes de cette page)';
    }

    function renderTaille(s) {
      if (s.taille === null) {
        setText('v-taille', s.n_unites === 0 ? '—' : 'non disponible');
        var why = beyondWhy(s);
        setText('v-financement', s.n_unites === 0 ? '' : why ? 'Taille non disponible : ' + why +
          ' ; la population affichée ne porte que sur les autres unités.' :
          'Taille non calculable sans la population de toutes les unités.');
        setText('v-seuils', '');
        return;
      }
      var whole = s.population_territoire_entier;
      setText('v-taille', 'Taille ' + s.taille + ' (' + bandText(s.taille) + ')');
      var population = whole === null ? s.population : whole;
      var f = s.financement;
      var b = D.aci.bounds;
      var margins = [];
      if (s.taille > 1) {
        // b holds each band's lowest population (175 001 for « plus de 175 000 »): the margin is what may be lost
        // while keeping the band (a review read « 1 425 habitants au-dessus du seuil » against 175 000).
        var margin = population - b[s.taille - 2];
        margins.push(margin === 0 ? 'population au seuil exact de la taille ' + s.taille + ' (un habitant de moins : ' +
          'taille ' + (s.taille - 1) + ')' : 'jusqu’à ' + plural(margin, 'habitant', 'habitants') + ' de moins sans ' +
          'quitter la taille ' + s.taille);
      }
      if (s.taille <= b.length) {
        // « il manque 1 habitant » (a review read « 1 habitants » at 39 999).
        margins.push('il manque ' + plural(b[s.taille - 1] - population, 'habitant', 'habitants') +
          ' pour la taille ' + (s.taille + 1));
      }
      // A mission without amount makes the totals floors: « au moins », never « maximum » (a review).
      if (whole !== null) {  // the figure the margins are counted on
        margins.unshift('établie sur la population du territoire entier, ' + habitants(whole) + ', dont ' +
          fmt(whole - s.population) + ' dans ses communes hors des départements chargés dans la base');
      }
      var floor = D.aci.note ? 'au moins ' : '';
      setText('v-financement', 'Financement annuel (' + D.aci.libelle + ') : ' + floor + fmt(f.total_possible) +
        ' € possibles, volet supplémentaire ' + fmt(f.volet_supplementaire) + ' €, ' + (floor || 'maximum ') +
        fmt(f.maximum) + ' € avec ce volet' + (D.aci.note ? ' (' + D.aci.note + ')' : '') + '.');
      setText('v-seuils', margins.length ? margins.join(' ; ') + '.' : '');
    }

    function partageItems(s) {
      return s.partage.map(function (item) {
        return item.cpts + ' (liste ' + item.liste + ') : ' + plural(item.communes.length, 'unité', 'unités') + ', ' +
          habitants(item.population) + ' — ' + namesList(item.communes);
      });
    }

    function renderPartage(s) {
      if (s.unites_sans_liste.length) {
        setText('v-partage', 'Population partagée non disponible : aucune liste de CPTS chargée ne rend compte de ' +
          plural(s.unites_sans_liste.length, 'unité', 'unités') + ' du périmètre (chargez la liste de l’ARS avec ' +
          '« make data CPTS=… »)' + (s.unites_partagees.length ? ' ; ' + plural(s.unites_partagees.length,
            'unité partagée', 'unités partagées') + ' parmi les autres' : '') + '.');
        fillList('l-partage', partageItems(s));
        return;
      }
      // Units of the perimeter off this page (beyond its zone or the load): their claims are not on the page, and
      // the figure is that of its units here, as its diagnostic's (a review read « Aucune unité revendiquée » for a
      // CPTS whose commune beyond the load another CPTS claims).
      var off = s.n_unites ? (s.unites_hors_zone || 0) + (s.communes_hors_base === null ? 1 : s.communes_hors_base) : 0;
      var offText = off ? ' (parmi ses unités de cette page ; celles hors de la page ne sont pas comptées)' : '';
      if (!s.unites_partagees.length) {
        setText('v-partage', s.n_unites ? 'Aucune unité revendiquée par une autre CPTS' + offText + '.' : '—');
        fillList('l-partage', []);
        return;
      }
      setText('v-partage', plural(s.unites_partagees.length, 'unité partagée', 'unités partagées') + ', ' +
        habitants(s.population_partagee) +
        (s.part_population_partagee === null ? '' : ' (' + pct(s.part_population_partagee) + ' de la population)') +
        offText);
      fillList('l-partage', partageItems(s));
    }

    function renderWhite(s) {
      setText('v-creees', 'Créées : ' + (s.zones_blanches_creees.length
        ? plural(s.zones_blanches_creees.length, 'unité', 'unités') + ', ' +
          habitants(s.population_zones_blanches_creees) : 'aucune'));
      byId('v-creees').className = s.zones_blanches_creees.length ? 'warning' : '';
      fillList('l-creees', s.zones_blanches_creees.length ? [namesList(s.zones_blanches_creees, 30)] : []);
      setText('v-absorbees', 'Absorbées : ' + (s.zones_blanches_absorbees.length
        ? plural(s.zones_blanches_absorbees.length, 'unité', 'unités') + ', ' +
          habitants(s.population_zones_blanches_absorbees) : 'aucune'));
      byId('v-absorbees').className = s.zones_blanches_absorbees.length ? 'good' : '';
      fillList('l-absorbees', s.zones_blanches_absorbees.length ? [namesList(s.zones_blanches_absorbees, 30)] : []);
      var unknown = s.couverture_inconnue.length;
      setText('v-inconnues', unknown ? plural(unknown, 'unité ajoutée ou retirée', 'unités ajoutées ou retirées') +
        ' sans CPTS connue dans un département dont les listes de CPTS chargées ne rendent pas compte : couverture ' +
        'non connue, ' +
        'ni créée ni absorbée.' : '');
      fillList('l-inconnues', unknown ? [namesList(s.couverture_inconnue, 30)] : []);
    }

    function renderFlows(s) {
      var beyond = beyondWhy(s);
      if (s.autoconfinement === null) {
        setText('v-autoconfinement', s.n_unites ? 'non disponible' : '—');
        // The diagnostic's wording (pipeline.app.sections.pertinence.NOT_LOADED).
        setText('v-flux-detail', beyond ? 'Auto-confinement et attraction non disponibles : ' + beyond +
          ' ; les recours de ses habitants vers ces communes ne peuvent pas être comptés dans le périmètre, d\'où ' +
          'un auto-confinement faussé.' : s.n_unites ? 'Aucun recours des habitants du périmètre dans la table des ' +
          'flux (' + D.meta.od_label + ').' : '');
        return;
      }
      setText('v-autoconfinement', pct(s.autoconfinement));
      var detail = 'des recours des habitants (' + D.meta.od_label + ') réalisés dans le périmètre : ' +
        fmt(s.recours_internes) + ' sur ' + fmt(s.recours_residents) + ' par an. Attraction : ' + pct(s.attraction) +
        ' des recours réalisés dans le périmètre viennent de non-résidents.';
      if (s.recours_non_affectes > 0) {
        detail += ' Recours non affectés (aucune offre à portée) : ' + fmt(s.recours_non_affectes) + '.';
      }
      setText('v-flux-detail', detail);
    }

    function renderParts(s) {
      var text = '';
      if (beyondWhy(s)) {  // as the diagnostic's section (pipeline.render.sections.pertinence)
        text = 'Continuité du périmètre : non disponible (' + (offPage(s) ? (s.cpts_editee === null
          ? 'ses codes absents de cette page n\'y ont pas de contour' : 'ses unités hors de la zone de cette page ' +
            'n\'y ont pas de contour') : 'ses communes hors des départements chargés dans la base n\'y ont pas ' +
          'de contour') + ').';
      } else if (s.n_unites > 1) {
        var drawn = s.parties_dessinees;
        text = drawn === null ? 'Continuité du périmètre : non disponible'
          : drawn <= 1 ? (s.sans_contour.length ? 'Unités dessinées d\'un seul tenant' : 'Périmètre d\'un seul tenant')
          : 'Périmètre en ' + drawn + ' parties séparées de plus de 50 m (île, enclave ou unité ajoutée par '
            + 'erreur ?) ; hors de la partie principale :';
        if (s.sans_contour.length) { text += ' — continuité du périmètre entier non disponible (sans contour :'
          + ' ' + namesList(s.sans_contour, 10) + ')'; }
      }
      setText('v-parties', text);
      var split = s.hors_partie_principale.length > 0;
      byId('v-parties').className = split ? 'warning' : '';
      fillList('l-parties', split ? [namesList(s.hors_partie_principale, 30)] : []);
    }

    function renderCuts(s) {
      var describe = function (item) {
        return item.nom + ' (' + item.code + ') : ' + (item.unites_dans_perimetre === null
          ? 'unités dans le périmètre non disponible (la zone déborde ' + (offPage(s) ? 'de cette page'
            : 'des départements chargés') + '), ' + fmt(item.unites_total) + ' en tout'
          : plural(item.unites_dans_perimetre, 'unité', 'unités') + ' sur ' + fmt(item.unites_total) +
            ' dans le périmètre');
      };
      // The diagnostic's caveat (pipeline.app.sections.pertinence.CUT_BEYOND_THE_LOAD).
      setText('v-coupes-hors-base', beyondWhy(s) ? 'Zones coupées : les ' + (offPage(s) ? (s.cpts_editee === null
        ? 'codes de la liste importée absents de cette page' : 'unités de la CPTS hors de la zone de cette page')
        : 'communes de la CPTS hors des départements chargés') + ' ne sont placées dans ' +
        'aucune zone ; une zone qui en déborde a ses unités dans le périmètre « non disponible », et les zones ' +
        'atteintes par elles seules manquent.' : '');
      setText('v-bv', s.n_unites ? (s.bassins_coupes.length
        ? plural(s.bassins_coupes.length, 'bassin de vie coupé', 'bassins de vie coupés')
        : 'Aucun bassin de vie coupé') : '—');
      fillList('l-bv', s.bassins_coupes.map(describe));
      setText('v-epci', s.n_unites ? (s.epci_coupes.length ? plural(s.epci_coupes.length, 'EPCI coupé', 'EPCI coupés')
        : 'Aucun EPCI coupé') : '');
      fillList('l-epci', s.epci_coupes.map(describe));
    }

    function renderTable(s) {
      setText('v-n-liste', String(s.n_unites));
      var body = empty('t-liste');
      s.communes.forEach(function (code) {
        var m = model.index.get(code);
        var row = element('tr');
        row.appendChild(element('td', code));
        row.appendChild(element('td', U.nom[m]));
        row.appendChild(element('td', U.population[m] === null ? 'non disponible' : fmt(U.population[m]), 'num'));
        row.appendChild(element('td', model.otherClaims[m].map(function (p) { return D.perimeters.nom[p]; })
          .join(' ; ')));
        var cell = element('td');
        var button = element('button', 'Retirer');
        button.type = 'button';
        button.addEventListener('click', function () { onRemove(m); });
        cell.appendChild(button);
        row.appendChild(cell);
        body.appendChild(row);
      });
    }


    function render(s) {
      renderPopulation(s);
      renderTaille(s);
      renderPartage(s);
      renderWhite(s);
      renderFlows(s);
      renderParts(s);
      renderCuts(s);
      renderTable(s);
    }

    return {
      render: render,
      message: message,
      byId: byId,
      setText: setText,
      element: element,
      empty: empty,
      plural: plural,
      habitants: habitants,
      unitLabel: unitLabel,
      namesList: namesList,
      slug: slug
    };
  }

  global.CptsEditorPanel = { create: create };
})(window);
