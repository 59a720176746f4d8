"""Characteristics of a territory's population: age-related need, income, territory type.

* :mod:`~pipeline.analysis.population.need`: age-related need index from the
  DREES APL standardised population;
* :mod:`~pipeline.analysis.population.income`: Filosofi income figures of a
  territory (exact EPCI row, or labelled approximation from communes);
* :mod:`~pipeline.analysis.population.territory_type`: unité urbaine, aire
  d'attraction des villes and density, per unit and as population shares;
* :mod:`~pipeline.analysis.population.income_units`: Filosofi figures of each
  unit, with what is published and what is not;
* :mod:`~pipeline.analysis.population.legal_year`: year of each unit's legal
  population (Mayotte: its 2017 census in every package).

All functions are pure (DataFrames in, typed results out).
"""
