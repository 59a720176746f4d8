"""Offline perimeter editor: one self-contained HTML page to draw a CPTS perimeter unit by unit.

``make editeur REGION=93`` (or ``DEPARTEMENT=``, optionally ``CPTS=``) writes
``maps/editeur-<zone>/editeur.html``. The use case fills an
:class:`~pipeline.render.editor.model.EditorData`;
:func:`~pipeline.render.editor.page.write_editor_page` writes the page. The
page needs no network (Leaflet is inlined) and exposes ``window.cptsEditor``:
``add(code)``, ``remove(code)``, ``load(codes)`` (each returns ``state()``),
``state()``, ``startFrom(name, listing?)``, ``undo()``, ``reset()``,
``csv()``, ``exportCsv()``.

Definitions (``state()`` keys; the panel shows the same figures)
----------------------------------------------------------------
The perimeter P is a set of *units* (current communes; arrondissements for
Paris, Lyon, Marseille). ``add``/``remove``/``load`` accept a city code
(75056, 69123, 13055) for all its arrondissements present in the page, and
restore a leading zero lost by a spreadsheet (``4070`` → ``04070``).

``communes``
    Codes of the units of P, sorted. ``n_unites`` their number.
``population``
    Sum of the units' legal populations (``EditorData.units.population``);
    ``null`` if a unit of P has none (then ``population_connue`` is the sum
    of the known ones and ``unites_sans_population`` lists the others).
    ``population_par_annee``: that sum by legal year (``population_annee``);
    ``annees_population`` its keys (several when Mayotte, 2017, is mixed with
    2022 communes).
``taille``
    ``1 + number of ACI bounds <= population`` (bounds inclusive: exactly
    40 000 is taille 2), as :func:`pipeline.analysis.aci.size_band`; ``null``
    when P is empty or its population is ``null``, and while the CPTS being
    edited has ``unites_hors_zone`` (its units loaded but outside the page's
    zone). With ``communes_hors_base`` (communes its listing names outside the
    loaded départements), the taille of P and of them together
    (``population_territoire_entier``, their populations the national COG's),
    as in its diagnostic; ``null`` when one of theirs is unknown or for a drawn
    part of unknown extent (``communes_hors_base`` ``null``). ``financement``: the
    funding line of that taille as passed in ``EditorData.aci``
    (``total_possible``, ``volet_supplementaire``, ``maximum``).
Other CPTS
    Every listed perimeter except the CPTS being edited
    (``EditorData.initial.cpts`` in ``initial.listing``, or the CPTS chosen
    with ``startFrom``): the same exclusion (name in its listing) as the
    diagnostic's neighbours table.
``unites_partagees`` / ``population_partagee``
    Units of P claimed by at least one other CPTS, and the sum of their
    populations (each unit once; ``null`` if one has no population, or when
    P holds ``unites_sans_liste``: units of départements no loaded listing
    speaks for, claimed by no listed CPTS, whose claims are unknown).
    ``part_population_partagee`` = population_partagee / population.
    ``partage``: per other CPTS, ``cpts``, ``liste``, ``communes`` (its units
    in P), ``population``, sorted by population descending.
``zones_blanches_creees``
    Units of the initial perimeter not in P and claimed by no other CPTS.
``zones_blanches_absorbees``
    Units of P not in the initial perimeter and claimed by no other CPTS.
    (``population_zones_blanches_*``: their population.) ``ajoutees`` /
    ``retirees``: units added to / removed from the initial perimeter.
``autoconfinement``
    Over the OD rows whose origin is a unit of P and whose destination is
    known: sum of volumes with the destination in P divided by the sum of
    all their volumes (``recours_internes`` / ``recours_residents``); rows
    without destination (unserved demand) are left out and summed in
    ``recours_non_affectes``. ``null`` when ``recours_residents`` is 0.
    This is :func:`pipeline.analysis.flows.territory_flow_indicators`'s
    ``auto_confinement`` for the same table and units. ``attraction`` =
    ``recours_exterieurs_entrants`` / ``recours_realises`` (volumes made in
    P by residents of other units or codes / all volumes made in P), as
    there. Volumes are packed rounded to 0.01 consultation (rows that round
    to 0 are left out). Both ``null`` while the CPTS being edited has
    ``communes_hors_base`` (its residents' consultations to them would count
    as leaving it), as the diagnostic's pertinence.
``parties`` / ``parties_dessinees`` / ``hors_partie_principale`` / ``sans_contour``
    The separate parts of the units of P that have a polygon, two units being
    of one part when ``EditorData.adjacency`` pairs them (within 50 m), as
    :func:`pipeline.analysis.perimeter_parts.perimeter_parts` counts them
    (part 1 the most populated, then the smallest code): their number
    (``parties_dessinees``), the codes outside part 1 by part then code, and
    the units of P without polygon. ``parties`` is that number when every
    unit has a polygon, else ``null`` (a unit's place is unknown), and
    ``null`` (``hors_partie_principale`` ``[]``) while the CPTS being edited
    has ``communes_hors_base``, as its diagnostic. ``null`` / ``[]`` without
    the adjacency.
``bassins_coupes`` / ``epci_coupes``
    Bassins de vie 2022 (resp. EPCI) with at least one unit in P and at
    least one unit not in P, counted in units; the total number of units of
    each is ``EditorData.bv_totals`` / ``epci_totals`` when given, else the
    number of units of the page. Items: ``code``, ``nom``,
    ``unites_dans_perimetre``, ``unites_total``. While the CPTS being edited
    has ``communes_hors_base``, a zone with units outside the loaded
    départements (``EditorData.bv_beyond`` / ``epci_beyond``) has
    ``unites_dans_perimetre`` ``null``, as in its diagnostic.
``nom``, ``cpts_editee``, ``perimetre_initial``, ``codes_inconnus``, ``codes_anciens``
    Perimeter name typed in the panel, CPTS being edited (or ``null``),
    initial units, codes of the last ``add``/``remove``/``load`` that are no
    unit of the page, and the former codes among them read as the unit they
    now belong to (« 05088 → 05024 », ``EditorData.former_codes``).

The export is a UTF-8 CSV (with BOM, comma separated) with the columns
``code_insee`` and ``nom``, one row per unit of P, read by
``TERRITORY=fichier:chemin.csv``; when a listed CPTS is being edited, each
row also names it (``cpts_redessinee``, ``liste``), so that the diagnostic of
the file leaves it out of the neighbours as the page does.
"""

from pipeline.render.editor.model import AciRules, EditorData, InitialPerimeter, ListedPerimeter, validate
from pipeline.render.editor.page import EditorPage, build_editor_page, editor_payload, write_editor_page

__all__ = [
    "AciRules",
    "EditorData",
    "EditorPage",
    "InitialPerimeter",
    "ListedPerimeter",
    "build_editor_page",
    "editor_payload",
    "validate",
    "write_editor_page",
]
