/* Perimeter editor: a commune list imported as TERRITORY=fichier: reads it (pipeline.store.territory.files).
 *
 * A review found the page and the command line reading the same file differently: « Code INSEE » headers,
 * codes a spreadsheet wrote as decimals (« 4070.0 »), a quoted name over two lines, a title line above the
 * header, and names that are not those of their codes (postal codes given as INSEE codes) were read by one
 * and refused or misread by the other. Each rule below is the Python one, named where it lives.
 */
(function (global) {
  'use strict';

  /** pipeline.geography.COMMUNE_CODE_COLUMNS, in its order (a browser test keeps them equal). */
  var CODE_COLUMNS = ['code_insee', 'codgeo', 'code_commune_insee', 'code_commune', 'insee_com', 'insee', 'depcom',
                      'com', 'code'];
  /** pipeline.store.territory.file_names.NAME_COLUMNS. */
  var NAME_COLUMNS = ['nom', 'commune', 'nom_commune', 'libelle', 'libelle_commune', 'nom_de_la_commune', 'name'];
  /** pipeline.store.territory.file_names.NAME_WORDS and SMALL_WORDS (a browser test keeps them equal). */
  var NAME_WORDS = ['nom', 'noms', 'libelle', 'libelles', 'lib', 'libgeo', 'libcom', 'ville', 'villes', 'name', 'ncc',
                    'nccenr', 'localite', 'commune', 'communes', 'com'];
  var SMALL_WORDS = ['de', 'la', 'le', 'du', 'des', 'd', 'l', 'of', 'the'];
  var FIRST_NAMES = ['prenom', 'prenoms', 'first_name', 'firstname'];
  /** pipeline.sources.delimited.DELIMITERS, in tie-breaking order. */
  var DELIMITERS = [';', ',', '\t', '|'];
  var TITLE_SEARCH = 10;
  var REFUSED_SHARE = 0.5;
  var SHOWN = 3;
  var ABBREVIATIONS = { st: 'saint', ste: 'sainte', sts: 'saints', stes: 'saintes' };

  /** pipeline.geography.ascii_fold: lower-case ASCII, accents dropped, « œ » as « oe ». */
  function asciiFold(text) {
    return String(text).replace(/œ/g, 'oe').replace(/Œ/g, 'Oe').normalize('NFKD')
      .replace(/[^\x00-\x7f]/g, '').toLowerCase();
  }

  /** pipeline.store.territory.file_names.name_column: a known header, else one made of words saying a commune's
   *  name only (« LIBGEO », « NOM_COM », « ville »; not « Nom du médecin »); -1 when none. */
  function nameColumn(headers, except) {
    var keys = headers.map(headerKey);
    // FIRST_NAMES: beside a first name, « nom » is a person's.
    var person = keys.some(function (k) { return FIRST_NAMES.indexOf(k) >= 0; });
    var persons = person ? ['nom', 'name', 'noms'] : [];
    var known = columnOf(headers, NAME_COLUMNS.filter(function (c) { return persons.indexOf(c) < 0; }), except);
    if (known >= 0) { return known; }
    for (var k = 0; k < keys.length; k++) {
      if (persons.indexOf(keys[k]) >= 0) { continue; }
      var parts = keys[k].split('_');
      var named = parts.some(function (w) { return w !== 'com' && NAME_WORDS.indexOf(w) >= 0; });
      var only = parts.every(function (w) { return NAME_WORDS.indexOf(w) >= 0 || SMALL_WORDS.indexOf(w) >= 0; });
      if (k !== except && named && only) { return k; }
    }
    return -1;
  }

  /** A header as pipeline.store.territory.files.code_column folds it (« Code INSEE » is code_insee). */
  function headerKey(header) {
    return asciiFold(header).replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  }

  /** Position of the first of ``wanted`` among ``headers`` (folded), or -1. */
  function columnOf(headers, wanted, except) {
    var keys = headers.map(headerKey);
    for (var w = 0; w < wanted.length; w++) {
      for (var k = 0; k < keys.length; k++) {
        if (keys[k] === wanted[w] && k !== except) { return k; }
      }
    }
    return -1;
  }

  /** pipeline.geography.normalise_name then pipeline.sources.annuaire.locate.place_key. */
  function placeKey(text) {
    var name = asciiFold(String(text).replace(/^\s*\d{4,5}\s+/, '')
      .replace(/[\u2018\u2019\u02bc\u2032\u2010\u2011\u2013\u2014\u2212]/g, ' '))
      .replace(/[^a-z0-9]+/g, ' ').trim();
    var kept = [];
    var words = name ? name.split(' ') : [];
    for (var w = 0; w < words.length && words[w] !== 'cedex'; w++) {
      kept.push(Object.prototype.hasOwnProperty.call(ABBREVIATIONS, words[w]) ? ABBREVIATIONS[words[w]] : words[w]);
    }
    var key = kept.join(' ');
    var city = /^(paris|lyon|marseille) 0?[1-9][0-9]? ?(?:er|e|eme|em|ieme|me)?(?: arr(?:ondissement)?)?$/.exec(key);
    return city ? city[1] : key;
  }

  /** pipeline.geography.normalise_insee_code: { code, note } (code null when it is no code). */
  function normaliseCode(raw) {
    var text = String(raw === null || raw === undefined ? '' : raw).trim();
    if (/^[0-9][0-9abAB][0-9]{3}$/.test(text)) { return { code: text.toUpperCase(), note: null }; }
    // Excel's ="04001" (text kept by a formula), « 33 063 » (a thousands space).
    var kept = /^="\s*([^"]+?)\s*"$|^([0-9]{1,2})[ \u00a0\u202f]([0-9]{3})$/.exec(text);
    if (kept) {
      var inner = normaliseCode(kept[1] || kept[2] + kept[3]).code;
      return { code: inner, note: inner === null ? null : text + ' lu comme ' + inner + ' (' +
               (kept[1] ? "formule de texte d'un tableur" : "espace de milliers d'un tableur") + ')' };
    }
    if (/^[1-9][0-9]{3}$/.test(text)) {
      return { code: '0' + text, note: text + ' lu comme 0' + text + ' (zéro initial rétabli)' };
    }
    var number = /^([1-9][0-9]{3}|[0-9]{5})[.,]0+$/.exec(text);
    if (number) {
      var code = ('0' + number[1]).slice(-5);
      return { code: code, note: text + ' lu comme ' + code + ' (code écrit comme un nombre décimal par un tableur)' };
    }
    // Scientific notation, read when every digit of the code is written (« 1,32E+04 » is any of 100 codes).
    var scientific = /^([1-9])[.,]([0-9]{3,4})[eE]\+?0?([34])$/.exec(text);
    if (scientific && scientific[1].length + scientific[2].length === Number(scientific[3]) + 1) {
      var digits = ('0' + scientific[1] + scientific[2]).slice(-5);
      return { code: digits,
               note: text + ' lu comme ' + digits + ' (code écrit en notation scientifique par un tableur)' };
    }
    return { code: null, note: null };
  }

  /** pipeline.sources.delimited.sniff_delimiter: the most frequent separator outside quotes. */
  function sniff(line) {
    var outside = line.replace(/"[^"]*"/g, '');
    var best = null;
    var most = 0;
    DELIMITERS.forEach(function (d) {
      var count = outside.split(d).length - 1;
      if (count > most) { best = d; most = count; }
    });
    return best === null ? ',' : best;
  }

  /**
   * Records of a CSV text (quotes may hold separators and line breaks), each with its first physical line. As
   * Python's csv module reads them: a quote opens a quoted part at the start of a field only, and is a character
   * like any other inside an unquoted one (« 13001,pôle 5" ouest »; a review: the page took it for an opening
   * quote and lost the next rows).
   */
  function records(text, sep, firstLine) {
    var out = [];
    var row = [];
    var field = '';
    var quoted = false;
    var atStart = true;
    var line = firstLine;
    var start = firstLine;
    for (var k = 0; k < text.length; k++) {
      var c = text[k];
      if (quoted) {
        if (c === '"' && text[k + 1] === '"') { field += '"'; k++; } else if (c === '"') { quoted = false; } else {
          if (c === '\n') { line++; }
          field += c;
        }
      } else if (c === '"' && atStart) {
        quoted = true;
        atStart = false;
      } else if (c === sep) {
        row.push(field);
        field = '';
        atStart = true;
      } else if (c === '\n' || c === '\r') {
        if (c === '\r' && text[k + 1] === '\n') { k++; }
        row.push(field);
        out.push({ cells: row, line: start });
        row = [];
        field = '';
        atStart = true;
        line++;
        start = line;
      } else {
        field += c;
        atStart = false;
      }
    }
    if (field !== '' || row.length) { row.push(field); out.push({ cells: row, line: start }); }
    return out;
  }

  function cellsOf(line, sep) {
    var first = records(line, sep || sniff(line), 1)[0];
    return first ? first.cells : [];
  }

  function filled(cells) { return cells.filter(function (c) { return String(c).trim() !== ''; }).length; }

  /**
   * The table of a CSV text as TERRITORY=fichier: reads it: ``error`` (French, nothing to load), else ``headers``,
   * ``rows`` ({cells, line}), ``code`` and ``name`` columns (-1 without), ``notes``.
   */
  /** files._plausibility: how French the characters beyond ASCII of a reading are, beside letters. */
  var COMMON_LETTERS = 'àâçéèêîôûùœÀÂÇÉÈÊÎÔÛÙŒ', RARE_LETTERS = 'ëïüÿäöæËÏÜŸÄÖÆ',
    NEUTRAL_SIGNS = '«»‘’“”…–—\u00a0\u202f°€·';
  function isLetter(c) { return /\p{L}/u.test(c); }
  function isUpper(c) { return c !== c.toLowerCase() && c === c.toUpperCase(); }
  function isLower(c) { return c !== c.toUpperCase() && c === c.toLowerCase(); }
  function plausibility(text) {
    var score = 0;
    for (var at = 0; at < text.length; at++) {
      var c = text[at];
      if (c.charCodeAt(0) < 0x80) continue;
      if (c === '€' || c === '¤') {
        if (/\d/.test(text.slice(Math.max(at - 2, 0), at) + text.slice(at + 1, at + 3))) score += c === '€' ? 1 : -2;
        continue;
      }
      var before = at ? text[at - 1] : ' ', after = at + 1 < text.length ? text[at + 1] : ' ';
      var beyond = at + 2 < text.length ? text[at + 2] : ' ';
      if (!(isLetter(before) || isLetter(after))) continue;
      if ((isUpper(c) && isLower(before)) || (isLower(c) && isUpper(after)) ||
          (isUpper(c) && !isLetter(before) && isUpper(after) && isLower(beyond)) ||
          (isLower(c) && isUpper(before) && isUpper(after))) {
        score -= 3;
      } else if (((c === 'ù' || c === 'Ù') && 'oO'.indexOf(before) < 0) ||
                 ((c === 'î' || c === 'Î') && 'aeiouyAEIOUY'.indexOf(after) >= 0) ||
                 ((c === 'ô' || c === 'Ô') && 'oO'.indexOf(before) >= 0)) {
        score -= 2;  // « ù » only in « où », « î » never before a vowel, « ô » never after « o » (Mac Roman's Ÿ Œ Ù)
      } else if (COMMON_LETTERS.indexOf(c) >= 0) {
        score += 2;
      } else if (RARE_LETTERS.indexOf(c) >= 0) {
        score += 1;
      } else if (NEUTRAL_SIGNS.indexOf(c) < 0) {
        score -= 2;
      }
    }
    return score;
  }

  /** A file's text as pipeline.sources.files.decode_text reads a user file: UTF-8, else Windows-1252 (Excel's
   *  « CSV (séparateur : point-virgule) » on Windows), ISO-8859-15 or the old Macintosh encoding, whichever reads
   *  most as French (plausibility), when it holds none of the UTF-8 of French text's characters (a UTF-8 file with
   *  stray bytes would read « Ã© »); else { error }. */
  function decodeBytes(bytes) {
    try {
      return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
    } catch (e) { /* not UTF-8: Windows-1252, or refused */ }
    // The UTF-8 of French text's characters beyond ASCII (files._UTF8_SEQUENCE).
    var utf8Sequence = /\xc3[\x80-\xbf]|\xc2[\xa0-\xbf]|\xc5[\x92\x93\xb8]|\xe2\x80[\x93-\xa6]|\xe2\x82\xac/;
    var undefinedBytes = /[\x81\x8d\x8f\x90\x9d]/;
    var latin = '';
    for (var i = 0; i < bytes.length; i += 8192) {
      latin += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
    }
    // ISO-8859-15 and the old Macintosh encoding, as files._windows_1252 tells them from Windows-1252 (« c½ur »,
    // « GŽrard » read there): the reading whose characters beyond ASCII read most as French letters beside letters.
    var windows = undefinedBytes.test(latin) ? null : new TextDecoder('windows-1252').decode(bytes);
    if (!utf8Sequence.test(latin)) {
      var readings = windows === null ? [] : [windows];
      if (!/[\x80-\x9f]/.test(latin)) readings.push(new TextDecoder('iso-8859-15').decode(bytes));
      readings.push(new TextDecoder('macintosh').decode(bytes));
      var best = readings[0], bestScore = plausibility(readings[0]);
      for (var r = 1; r < readings.length; r++) {
        var score = plausibility(readings[r]);
        if (score > bestScore) { best = readings[r]; bestScore = score; }
      }
      if (readings.length > 1 || bestScore > 0) return { text: best };
    }
    // The lines that are not UTF-8, as the command line names them (a re-check: the page named none).
    var bad = [];
    var strict = new TextDecoder('utf-8', { fatal: true });
    for (var start = 0, end = 0, line = 1; end <= bytes.length; end++) {
      if (end === bytes.length || bytes[end] === 0x0a) {
        try { strict.decode(bytes.subarray(start, end)); } catch (e) { bad.push(line); }
        start = end + 1;
        line++;
      }
    }
    var shown = bad.slice(0, 10).join(', ') + (bad.length > 10 ? ' …' : '');
    return { error: 'Le fichier n’est encodé ni en UTF-8 ni en Windows-1252 (UTF-8 abîmé, ou un autre ' +
      'encodage ; ' + (bad.length > 1 ? 'lignes ' : 'ligne ') + shown + ') : réenregistrez-le en « CSV UTF-8 »' };
  }

  function readTable(text) {
    if (String(text).indexOf('\ufffd') >= 0) {  // a replacement character: bytes that were not text
      return { error: 'Le fichier n’est pas encodé en UTF-8 (export Excel en Windows-1252 ?) : réenregistrez-le en ' +
        '« CSV UTF-8 »' };
    }
    var lines = String(text).replace(/^\ufeff/, '').split(/\r\n|\n|\r/);
    var offset = 0;
    var sep = null;
    var excel = /^sep=(.)\s*$/i.exec(lines[0] || '');
    if (excel) { sep = excel[1]; offset = 1; }
    // pipeline.sources.delimited.title_lines: titles above a header that names a code column.
    var titles = [];
    for (var h = offset; h < Math.min(lines.length, offset + TITLE_SEARCH); h++) {
      if (columnOf(cellsOf(lines[h]).map(function (c) { return c.trim(); }), CODE_COLUMNS) >= 0) {
        var own = sniff(lines[h]);
        var above = lines.slice(offset, h);
        if (above.every(function (l) { return filled(cellsOf(l, own)) <= 1; })) {
          titles = above;
          offset = h;
        }
        break;
      }
    }
    while (offset < lines.length && lines[offset].trim() === '' && !titles.length) { offset++; }
    if (offset >= lines.length || !lines.slice(offset).join('').trim()) { return { error: 'Fichier vide' }; }
    sep = sep || sniff(lines[offset]);
    var all = records(lines.slice(offset).join('\n'), sep, offset + 1);
    var headers = all[0].cells.map(function (c) { return c.trim().replace(/^\ufeff/, '').trim(); });
    var rows = all.slice(1).filter(function (r) { return filled(r.cells) > 0; });
    var code = columnOf(headers, CODE_COLUMNS);
    var notes = [];
    var namedColumns = headers.filter(function (h) { return h !== ''; });
    if (code < 0 && namedColumns.length === 1 && normaliseCode(headers[0]).code !== null) {
      // files._without_header: one column of codes without a header (a spreadsheet's empty column after it, as
      // « 04070; », left aside as the command line leaves it), its first line a code like the others.
      rows = all.filter(function (r) { return filled(r.cells) > 0; });
      headers = ['code_insee'];
      code = 0;
      notes.push('fichier sans en-tête : chaque ligne lue comme un code commune');
    }
    var named = titles.map(function (t) { return t.trim().replace(/[;,\t| ]+$/, ''); }).filter(Boolean);
    if (named.length) {  // blank lines above the header are no titles (files._title_note)
      var shown = named.length ? ' (« ' + named[0].slice(0, 60) + ' »)' : '';
      notes.push('en-tête lu ligne ' + (offset + 1) + ', ' + (titles.length === 1 ? 'la ligne au-dessus' : 'les ' +
        titles.length + ' lignes au-dessus') + shown + ' lue' + (titles.length > 1 ? 's' : '') + ' comme un titre');
    }
    return { headers: headers, rows: rows, code: code, name: code < 0 ? -1 : nameColumn(headers, code),
             notes: notes };
  }

  function words(name) {
    var key = placeKey(name);
    return key ? key.split(' ') : [];
  }

  function within(a, b) { return a.every(function (w) { return b.indexOf(w) >= 0; }); }

  /** pipeline.store.territory.file_names._name_words: a name's words with its numbers, « St » as « saint ». */
  function nameWords(name) {
    var spelled = { st: 'saint', ste: 'sainte' };
    // Apostrophes and dashes separate words, as pipeline.geography.normalise_name reads them (« L’Escale »).
    var spaced = String(name).replace(/[\u2018\u2019\u02bc\u2032\u2010\u2011\u2013\u2014\u2212]/g, ' ');
    return (asciiFold(spaced).match(/[a-z0-9]+/g) || []).filter(function (w) {
      return w !== 'arrondissement' && w !== 'arr';
    }).map(function (w) {
      var word = Object.prototype.hasOwnProperty.call(spelled, w) ? spelled[w] : w;
      var ordinal = /^(\d+)(?:er|e|eme|nd)$/.exec(word);
      return ordinal ? ordinal[1] : word;
    });
  }

  /** pipeline.store.territory.file_names._other_communes_meant: the wrong rows whose name is one other unit's
   * (the same words, no other unit's). */
  function otherCommunesMeant(wrong, units) {
    var known = units.map(function (u) { return { code: u.code, nom: u.nom, words: nameWords(u.nom) }; });
    var meant = [];
    wrong.forEach(function (w) {
      var asked = nameWords(w.given).filter(function (x, i, all) { return all.indexOf(x) === i; });
      if (asked.length < 2 && !asked.some(function (x) { return x.length >= 5; })) { return; }
      var found = known.filter(function (u) { return within(asked, u.words) && within(u.words, asked); });
      if (found.length === 1 && found[0].code !== w.code) {
        meant.push({ line: w.line, code: w.code, cog: w.cog, given: w.given,
                     other: found[0].nom + ' (' + found[0].code + ')' });
      }
    });
    return meant;
  }

  /** pipeline.sources.commune_names._numbered_words: numbers as numbers (« Marseille 01 », « Marseille VII »). */
  var ROMAN = ['i', 'ii', 'iii', 'iv', 'v', 'vi', 'vii', 'viii', 'ix', 'x', 'xi', 'xii', 'xiii', 'xiv', 'xv', 'xvi',
               'xvii', 'xviii', 'xix', 'xx'];
  function numberedWords(name) {
    return nameWords(name).map(function (w) {
      if (/^[0-9]+$/.test(w)) { return String(parseInt(w, 10)); }
      var roman = ROMAN.indexOf(w);
      return roman >= 0 ? String(roman + 1) : w;
    });
  }
  var ARRONDISSEMENT = /^(?:132(?:0[1-9]|1[0-6])|6938[1-9]|751(?:0[1-9]|1[0-9]|20))$/;
  var SPLIT_CITY = /^(?:13055|69123|75056)$/;

  /** pipeline.sources.commune_names._agrees_with_code: an arrondissement's code agrees with its own name or its
   *  city's bare name only (« 13202;Marseille 1er » does not), a city's code with no arrondissement's name. */
  function agreesWithCode(code, given, known) {
    if (ARRONDISSEMENT.test(code)) {
      var mine = numberedWords(given);
      return known.some(function (k) {
        var theirs = numberedWords(k);
        var city = theirs.filter(function (w) { return !/^[0-9]+$/.test(w); });
        return within(mine, theirs) || within(theirs, mine) || (within(mine, city) && within(city, mine));
      });
    }
    var plain = words(given);
    var agrees = known.some(function (k) { var theirs = words(k); return within(plain, theirs) || within(theirs, plain); });
    return agrees && !(SPLIT_CITY.test(code) && numberedWords(given).some(function (w) { return /^[0-9]+$/.test(w); }));
  }

  /**
   * pipeline.store.territory.file_names.check_names: ``error`` when most named rows name another commune than
   * their code's, else ``notes``. ``nameOf(code)`` gives the names a code may go by (its own, a former name, the
   * current commune's), or null for a code the page does not know (reported apart).
   */
  function checkNames(table, nameOf, units) {
    if (table.name < 0) { return { notes: [] }; }
    var wrong = [];
    var namedRows = 0;
    table.rows.forEach(function (row) {
      var code = normaliseCode(row.cells[table.code]).code;
      var given = String(row.cells[table.name] || '').trim();
      var known = code === null || !given ? null : nameOf(code);
      if (known === null) { return; }
      namedRows++;
      if (!agreesWithCode(code, given, known)) {
        wrong.push({ line: row.line, code: code, cog: known[0], given: given });
      }
    });
    if (!wrong.length) { return { notes: [] }; }
    var column = table.headers[table.name];
    var listed = wrong.slice(0, SHOWN).map(function (w) {
      return 'ligne ' + w.line + ' : ' + w.code + ' est ' + w.cog + ', pas « ' + w.given + ' »';
    }).join(' ; ') + (wrong.length > SHOWN ? ' …' : '');
    if (wrong.length >= REFUSED_SHARE * namedRows) {
      return { error: 'Les noms de la colonne « ' + column + ' » ne sont pas ceux des codes (' + wrong.length +
        (wrong.length > 1 ? ' lignes' : ' ligne') + ' sur ' + namedRows + ') : ' + listed +
        (wrong.length > SHOWN ? '' : '.') + ' Codes postaux au lieu des codes INSEE, ou lignes décalées ? Corrigez ' +
        'les codes (ou retirez la colonne des noms si elle est fausse)' };
    }
    var meant = units ? otherCommunesMeant(wrong, units) : [];
    if (meant.length) {
      return { error: 'Des noms de la colonne « ' + column + ' » sont ceux d\'autres communes que leurs codes : ' +
        meant.slice(0, SHOWN).map(function (m) {
          return 'ligne ' + m.line + ' : ' + m.code + ' est ' + m.cog + ', or « ' + m.given + ' » est ' + m.other;
        }).join(' ; ') + (meant.length > SHOWN ? ' …' : '.') + ' Corrigez les codes (codes postaux au lieu des ' +
        'codes INSEE ?)' };
    }
    var one = wrong.length === 1;
    return { notes: [wrong.length + (one ? ' nom' : ' noms') + ' de la colonne « ' + column + ' » ne ' +
      (one ? 'correspond' : 'correspondent') + ' pas à ' + (one ? 'son' : 'leur') + ' code (les codes sont lus) : ' +
      listed] };
  }

  /** The cells of the code column that are no INSEE code, each an error naming its line: the file is refused (a
   *  review: « =04081 » was set aside as an absent code and the rest loaded, where TERRITORY=fichier: refuses the
   *  file). The command line also reads commune names there, against every commune of France and their former
   *  names; the page knows its own communes only, and read « Villeneuve » or « Marseille 1er » otherwise than
   *  the command line does (a re-check): it reads codes only, and says so. */
  function nonCodeCells(table) {
    var errors = [];
    table.rows.forEach(function (r) {
      var cell = r.cells[table.code];
      if (cell === undefined || String(cell).trim() === '') {
        // An empty code on a line saying something else: its commune would be left out (a re-check: the page
        // dropped it without a word, the command line refuses the file). A line of blanks is no line.
        if (r.cells.some(function (other) { return String(other).trim() !== ''; })) {
          errors.push('code INSEE vide (ligne ' + r.line + ') : la ligne serait ignorée et sa commune absente');
        }
        return;
      }
      if (normaliseCode(cell).code !== null) { return; }
      errors.push('« ' + String(cell).trim() + ' » (ligne ' + r.line + ') n’est pas un code INSEE');
    });
    return errors;
  }

  /** The codes of a commune list (its code column, named as fichier: expects it), or null without one. */
  function codesFromCsv(text) {
    var table = readTable(text);
    if (table.error === 'Fichier vide') { return []; }
    if (table.error || table.code < 0) { return null; }
    return table.rows.map(function (r) { return r.cells[table.code]; })
      .filter(function (v) { return v !== undefined && String(v).trim() !== ''; });
  }

  /** The CPTS an export redraws (columns cpts_redessinee, liste), as TERRITORY=fichier: reads it, or null. */
  function redrawnFromCsv(text) {
    var table = readTable(text);
    if (table.error) { return null; }
    var unguard = function (v) { v = String(v).trim(); return /^'['=+\-@]/.test(v) ? v.slice(1) : v; };
    var valuesOf = function (header) {
      var column = table.headers.map(function (h) { return h.toLowerCase(); }).indexOf(header);
      return column < 0 ? [] : table.rows.map(function (r) { return r.cells[column]; })
        .filter(function (v) { return v !== undefined && String(v).trim() !== ''; }).map(unguard);
    };
    var names = valuesOf('cpts_redessinee');
    if (!names.length) { return null; }
    var listings = valuesOf('liste');
    return { cpts: names[0], liste: listings.length ? listings[0] : null,
      several: names.some(function (v) { return v !== names[0]; }) ||
        listings.some(function (v) { return v !== listings[0]; }) };
  }

  global.CptsEditorImport = {
    CODE_COLUMNS: CODE_COLUMNS,
    NAME_COLUMNS: NAME_COLUMNS,
    NAME_WORDS: NAME_WORDS,
    SMALL_WORDS: SMALL_WORDS,
    FIRST_NAMES: FIRST_NAMES,
    asciiFold: asciiFold,
    placeKey: placeKey,
    normaliseCode: normaliseCode,
    decodeBytes: decodeBytes,
    readTable: readTable,
    checkNames: checkNames,
    nonCodeCells: nonCodeCells,
    codesFromCsv: codesFromCsv,
    redrawnFromCsv: redrawnFromCsv
  };
})(window);
