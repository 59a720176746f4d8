-- Declared schema of the DuckDB database (data/processed/cpts.duckdb).
--
-- Every table is created from this file, never from a pandas frame: column types are declared,
-- each table has a PRIMARY KEY on its grain, NOT NULL where a value is always known, and CHECK
-- constraints for closed vocabularies. `-- doc:` comments feed docs/schema.md
-- (python -m pipeline.store.schema_doc regenerates it; a test checks it is current).
--
-- Bump SCHEMA_VERSION in pipeline/store/schema.py when a table changes: an older database is then
-- refused by the read commands and rebuilt by `make data`.

-- doc: Provenance of every loaded file: one row per source and vintage.
CREATE TABLE sources (
    source VARCHAR NOT NULL,            -- doc: source name (decoupage-administratif, annuaire-sante, cpts:LISTE…)
    vintage VARCHAR NOT NULL,           -- doc: vintage of the file (year, extraction date, « liste »)
    origin VARCHAR NOT NULL,            -- doc: where it was read (mirror path, URL, user file)
    sha256 VARCHAR,                     -- doc: checksum of the file(s) read
    row_count BIGINT NOT NULL CHECK (row_count >= 0), -- doc: rows loaded
    loaded_at TIMESTAMP NOT NULL,       -- doc: load time (UTC)
    notes VARCHAR,                      -- doc: French description shown in reports
    loader_version VARCHAR NOT NULL DEFAULT '1', -- doc: version of the loader (a new version reloads the file)
    demo BOOLEAN NOT NULL DEFAULT false, -- doc: true for generated demonstration data
    PRIMARY KEY (source, vintage)
);

-- doc: Schema version of this database file.
CREATE TABLE schema_info (
    key VARCHAR PRIMARY KEY,            -- doc: setting name (schema_version)
    value VARCHAR NOT NULL              -- doc: its value
);

-- doc: Communes and arrondissements municipaux of every COG vintage (decoupage-administratif).
CREATE TABLE communes (
    vintage INTEGER NOT NULL,           -- doc: COG vintage (1 January)
    code VARCHAR NOT NULL CHECK (regexp_full_match(code, '[0-9]{5}|2[AB][0-9]{3}')), -- doc: INSEE code
    nom VARCHAR NOT NULL,               -- doc: name
    type VARCHAR NOT NULL CHECK (type IN ('commune-actuelle', 'arrondissement-municipal')), -- doc: kind of unit
    parent VARCHAR,                     -- doc: city of an arrondissement (75056, 69123, 13055)
    departement VARCHAR,                -- doc: département code (NULL for some COM)
    region VARCHAR,                     -- doc: région code
    zone VARCHAR CHECK (zone IN ('metro', 'drom', 'com')), -- doc: metropole, DROM or COM
    epci VARCHAR,                       -- doc: SIREN of the EPCI
    codes_postaux VARCHAR,              -- doc: postal codes, comma-separated
    population BIGINT CHECK (population >= 0), -- doc: population municipale of the package
    PRIMARY KEY (vintage, code)
);

-- doc: Every code of every vintage → its current commune (COG history chained).
CREATE TABLE cog_mapping (
    code VARCHAR PRIMARY KEY,           -- doc: INSEE code, old or current
    current_code VARCHAR NOT NULL,      -- doc: current commune it belongs to
    kind VARCHAR NOT NULL CHECK (kind IN ('actuelle', 'arrondissement', 'deleguee', 'associee', 'ancien')), -- doc: relation
    nom VARCHAR,                        -- doc: name of the code when it was last seen
    last_vintage INTEGER NOT NULL,      -- doc: last vintage listing the code
    note VARCHAR                        -- doc: remark
);

-- doc: Every code of every vintage of the départements not loaded (``make data --departements``) → its current commune: a listing's communes there are counted as communes, a commune merged since in the one it belongs to. Empty after a load of the whole of France.
CREATE TABLE cog_mapping_hors_chargement (
    code VARCHAR PRIMARY KEY,           -- doc: INSEE code, old or current
    current_code VARCHAR NOT NULL       -- doc: current commune it belongs to
);

-- doc: Every name a user may type for a commune of France, loaded or not, in the current COG: current communes, arrondissements municipaux, communes déléguées and associées (those that keep their commune nouvelle's code too: Meyronnes, 04120, in Val d'Oronaye). A name of a commune outside the loaded départements is said so, never « inconnu ».
CREATE TABLE noms_communes (
    code VARCHAR NOT NULL,              -- doc: INSEE code the name belongs to
    kind VARCHAR NOT NULL CHECK (kind IN ('actuelle', 'arrondissement', 'deleguee', 'associee')), -- doc: what the code is
    nom VARCHAR NOT NULL,               -- doc: name in the current COG
    current_code VARCHAR NOT NULL,      -- doc: current commune (or arrondissement) it designates
    departement VARCHAR,                -- doc: its département
    charge BOOLEAN NOT NULL,            -- doc: whether the database was loaded for that current commune's département
    PRIMARY KEY (code, kind)
);

-- doc: Population of every current commune (and arrondissement municipal) of France in the current COG, loaded or not: a zone crossing the loaded départements (a région, a listed CPTS) gets its taille from its whole population.
CREATE TABLE population_france (
    code VARCHAR PRIMARY KEY,           -- doc: current commune, or arrondissement municipal
    commune VARCHAR NOT NULL,           -- doc: the commune it is (its city for an arrondissement)
    departement VARCHAR NOT NULL,       -- doc: its département
    region VARCHAR,                     -- doc: its région (NULL for a collectivité d'outre-mer)
    population BIGINT CHECK (population >= 0) -- doc: its population in the current package (NULL when the package gives none)
);

-- doc: Population of each current commune for each vintage, on the current geography.
CREATE TABLE population_current_geo (
    code VARCHAR NOT NULL,              -- doc: current commune
    vintage INTEGER NOT NULL,           -- doc: COG vintage of the package
    population BIGINT NOT NULL CHECK (population >= 0), -- doc: sum of the populations of the codes merged into it
    PRIMARY KEY (code, vintage)
);

-- doc: Where a vintage's population of a current commune is not that of the commune: a commune absorbed between the geography the legal populations are established on (1 January N+2 for year N) and the package's COG, without a population of its own there, or a commune re-created since, whose inhabitants the commune it was part of holds. An area holding such a commune has no population of that vintage.
CREATE TABLE population_gaps (
    vintage INTEGER NOT NULL,           -- doc: COG vintage of the package
    code VARCHAR NOT NULL,              -- doc: current commune whose population of the vintage is affected
    autre VARCHAR NOT NULL,             -- doc: the commune absorbed without population, or re-created since
    kind VARCHAR NOT NULL CHECK (kind IN ('absente', 'incluse')), -- doc: absorbed without population (absente), or counted in ``code`` (incluse)
    PRIMARY KEY (vintage, code, autre)
);

-- doc: Départements of the current vintage.
CREATE TABLE departements (
    vintage INTEGER NOT NULL,           -- doc: COG vintage
    code VARCHAR NOT NULL,              -- doc: code (01…95, 2A, 2B, 971…)
    nom VARCHAR NOT NULL,               -- doc: name
    region VARCHAR NOT NULL,            -- doc: région code
    PRIMARY KEY (vintage, code)
);

-- doc: Régions of the current vintage.
CREATE TABLE regions (
    vintage INTEGER NOT NULL,           -- doc: COG vintage
    code VARCHAR NOT NULL,              -- doc: code
    nom VARCHAR NOT NULL,               -- doc: name
    PRIMARY KEY (vintage, code)
);

-- doc: EPCI of the current vintage.
CREATE TABLE epci (
    vintage INTEGER NOT NULL,           -- doc: COG vintage
    code VARCHAR NOT NULL,              -- doc: SIREN
    nom VARCHAR NOT NULL,               -- doc: name
    type VARCHAR,                       -- doc: CC, CA, CU, METRO, MET69
    population BIGINT,                  -- doc: population of the package
    PRIMARY KEY (vintage, code)
);

-- doc: Member communes of each EPCI.
CREATE TABLE epci_membres (
    vintage INTEGER NOT NULL,           -- doc: COG vintage
    epci VARCHAR NOT NULL,              -- doc: SIREN of the EPCI
    commune VARCHAR NOT NULL,           -- doc: INSEE code of the member commune
    PRIMARY KEY (vintage, epci, commune)
);

-- doc: Commune polygons (IGN Admin Express COG 2018, or Etalab contours) harmonised to the current COG.
CREATE TABLE commune_polygons (
    code VARCHAR PRIMARY KEY,           -- doc: current commune
    nom VARCHAR,                        -- doc: name
    source_codes VARCHAR,               -- doc: codes of the source polygons merged into it
    area_km2 DOUBLE NOT NULL CHECK (area_km2 >= 0), -- doc: area in a projected CRS (Lambert 93 or the DROM's)
    lon DOUBLE NOT NULL,                -- doc: representative point (inside the polygon), longitude
    lat DOUBLE NOT NULL,                -- doc: representative point, latitude
    xmin DOUBLE NOT NULL, ymin DOUBLE NOT NULL, xmax DOUBLE NOT NULL, ymax DOUBLE NOT NULL, -- doc: bounding box (lon/lat)
    geometry BLOB NOT NULL              -- doc: WKB, EPSG:4326
);

-- doc: Communes of the départements not loaded (``make data --departements``): where each lies, so that a diagnostic says when its flow model or its neighbourhood reaches beyond the load. Empty after a load of the whole of France.
CREATE TABLE communes_hors_chargement (
    code VARCHAR PRIMARY KEY,           -- doc: INSEE code in the contours' geography (COG 2018 with the mirror, the file's year online)
    departement VARCHAR NOT NULL,       -- doc: its département
    lon DOUBLE NOT NULL,                -- doc: representative point (inside the polygon), longitude
    lat DOUBLE NOT NULL,                -- doc: representative point, latitude
    geometry BLOB                       -- doc: WKB, EPSG:4326, for the communes within about 1 km of a loaded commune only (NULL for the others)
);

-- doc: Polygons of the arrondissements municipaux of Paris, Lyon and Marseille (units of the diagnostic there).
CREATE TABLE arrondissement_polygons (
    code VARCHAR PRIMARY KEY,           -- doc: INSEE code of the arrondissement (75101…, 69381…, 13201…)
    commune VARCHAR NOT NULL,           -- doc: its city (75056, 69123, 13055)
    nom VARCHAR,                        -- doc: name
    area_km2 DOUBLE NOT NULL CHECK (area_km2 >= 0), -- doc: area in Lambert 93
    lon DOUBLE NOT NULL,                -- doc: representative point (inside the polygon), longitude
    lat DOUBLE NOT NULL,                -- doc: representative point, latitude
    xmin DOUBLE NOT NULL, ymin DOUBLE NOT NULL, xmax DOUBLE NOT NULL, ymax DOUBLE NOT NULL, -- doc: bounding box (lon/lat)
    geometry BLOB NOT NULL              -- doc: WKB, EPSG:4326
);

-- doc: What the polygon harmonisation could not place (reported by `make data`).
CREATE TABLE polygon_residue (
    code VARCHAR PRIMARY KEY,           -- doc: INSEE code
    nom VARCHAR,                        -- doc: name
    kind VARCHAR NOT NULL,              -- doc: kind of residue
    population BIGINT,                  -- doc: population
    note VARCHAR,                       -- doc: French explanation
    polygone VARCHAR                    -- doc: current commune whose polygon holds this one (re-created since the contours' COG): that polygon's area is theirs together
);

-- doc: INSEE table d'appartenance géographique (BV2022, ZE2020, UU2020, AAV2020, EPCI…), with the communes created or restored since its COG.
CREATE TABLE appartenance (
    code VARCHAR PRIMARY KEY,           -- doc: commune (COG 2024, or current when created or restored since)
    nom VARCHAR,                        -- doc: name
    dep VARCHAR, reg VARCHAR, epci VARCHAR, arr VARCHAR, canov VARCHAR, -- doc: administrative zonings
    ze2020 VARCHAR,                     -- doc: zone d'emploi 2020
    uu2020 VARCHAR,                     -- doc: unité urbaine 2020
    aav2020 VARCHAR,                    -- doc: aire d'attraction des villes 2020
    bv2022 VARCHAR,                     -- doc: bassin de vie 2022
    herite_de VARCHAR                   -- doc: NULL for the INSEE table's rows; else the codes of the table whose zonings the commune took (comma-separated)
);

-- doc: Population of every aire d'attraction des villes 2020 in the whole country (its communes of the INSEE table, legal populations of the table's COG), even when some départements are loaded.
CREATE TABLE aires_populations (
    code VARCHAR PRIMARY KEY,           -- doc: AAV2020 code (« 000 », outside any aire, excluded)
    population BIGINT CHECK (population >= 0), -- doc: inhabitants; NULL when a commune's population is unknown
    communes BIGINT NOT NULL CHECK (communes > 0) -- doc: communes of the INSEE table in the aire
);

-- doc: Analysis units and population of every bassin de vie 2022 and EPCI in the whole country, even when some départements are loaded.
CREATE TABLE zones_unites (
    niveau VARCHAR NOT NULL CHECK (niveau IN ('BV2022', 'EPCI')), -- doc: zoning
    code VARCHAR NOT NULL,              -- doc: zone code
    unites BIGINT NOT NULL CHECK (unites > 0), -- doc: analysis units of the zone
    population BIGINT CHECK (population >= 0), -- doc: population of the zone's current communes in the current package (NULL when one has none)
    departements VARCHAR NOT NULL,      -- doc: départements of its communes, comma-separated (« 01,73,74 »)
    PRIMARY KEY (niveau, code)
);

-- doc: Labels of the INSEE supra-communal zonings.
CREATE TABLE zonages_libelles (
    niveau VARCHAR NOT NULL,            -- doc: zoning (BV2022, UU2020, AAV2020…)
    code VARCHAR NOT NULL,              -- doc: zone code
    libelle VARCHAR,                    -- doc: zone name
    nb_com BIGINT,                      -- doc: number of communes
    PRIMARY KEY (niveau, code)
);

-- doc: DREES APL to general practitioners, per commune (or arrondissement) of the workbook.
CREATE TABLE apl (
    code VARCHAR NOT NULL,              -- doc: INSEE code as in the workbook (its COG)
    annee INTEGER NOT NULL,             -- doc: APL year
    nom VARCHAR,                        -- doc: name
    apl DOUBLE,                         -- doc: APL, all GPs
    apl_moins_65 DOUBLE,                -- doc: APL, GPs under 65
    population_standardisee DOUBLE,     -- doc: population standardised by age-specific GP consumption
    population_totale BIGINT,           -- doc: total population
    PRIMARY KEY (code, annee)
);

-- doc: ARS PACA zoning of GPs per QPV (ZIP/ZAC).
CREATE TABLE qpv_zonage (
    commune VARCHAR NOT NULL,           -- doc: commune (Marseille as 13055)
    qpv_id VARCHAR NOT NULL,            -- doc: QPV identifier
    qpv_nom VARCHAR,                    -- doc: QPV name
    zonage VARCHAR NOT NULL CHECK (zonage IN ('ZIP', 'ZAC')), -- doc: zoning
    millesime VARCHAR,                  -- doc: vintage
    PRIMARY KEY (commune, qpv_id)
);

-- doc: Members of the CPTS of each loaded listing (one row per CPTS and unit).
CREATE TABLE cpts_membres (
    listing VARCHAR NOT NULL,           -- doc: listing name (file stem, or paca)
    cpts VARCHAR NOT NULL,              -- doc: CPTS name as written
    cpts_id VARCHAR NOT NULL,           -- doc: stable identifier
    statut VARCHAR CHECK (statut IN ('projet', 'lettre d''intention validée', 'projet de santé validé', 'ACI signé')), -- doc: status
    date DATE,                          -- doc: date of the status
    code_source VARCHAR,                -- doc: code as written in the listing
    unit_code VARCHAR NOT NULL,         -- doc: unit (commune or arrondissement)
    commune_code VARCHAR NOT NULL,      -- doc: current commune of the unit
    unit_type VARCHAR NOT NULL,         -- doc: commune-actuelle or arrondissement-municipal
    note VARCHAR,                       -- doc: resolution note (old code…)
    line BIGINT,                        -- doc: line in the listing file (CSV)
    PRIMARY KEY (listing, cpts_id, unit_code)
);

-- doc: Anomalies found in the loaded listings.
CREATE TABLE cpts_anomalies (
    listing VARCHAR NOT NULL,           -- doc: listing name
    rang INTEGER NOT NULL,              -- doc: order of the anomaly in the listing
    kind VARCHAR NOT NULL,              -- doc: kind (code_inconnu, doublon, homonyme_probable…)
    cpts VARCHAR,                       -- doc: CPTS concerned
    code VARCHAR,                       -- doc: code concerned
    line BIGINT,                        -- doc: line in the file
    detail_fr VARCHAR NOT NULL,         -- doc: French explanation
    PRIMARY KEY (listing, rang)
);

-- doc: Perimeters given as polygons (GeoJSON listings).
CREATE TABLE cpts_perimetres (
    listing VARCHAR NOT NULL,           -- doc: listing name
    cpts VARCHAR NOT NULL,              -- doc: CPTS name
    cpts_id VARCHAR NOT NULL,           -- doc: stable identifier
    geometry BLOB NOT NULL,             -- doc: WKB, EPSG:4326
    PRIMARY KEY (listing, cpts_id)
);

-- doc: Activities of health professionals (Annuaire Santé extractions), one row per line of each extraction.
CREATE TABLE ps_activites (
    extraction DATE NOT NULL,           -- doc: date of the extraction
    ligne BIGINT NOT NULL,              -- doc: line in the file (header = 1)
    rpps VARCHAR NOT NULL,              -- doc: national identifier of the practitioner
    type_identifiant VARCHAR, profession_code VARCHAR, profession_libelle VARCHAR, -- doc: profession as in the file
    profession_connue BOOLEAN NOT NULL, -- doc: profession code in the nomenclatures
    groupe VARCHAR NOT NULL,            -- doc: Trame group (or Autres)
    specialite_code VARCHAR, specialite_libelle VARCHAR, -- doc: ordinal specialty (doctors)
    recours_profession VARCHAR,         -- doc: recours of the profession (seed 000)
    recours VARCHAR CHECK (recours IN ('premier', 'second', 'hors ambulatoire', 'non renseigné')), -- doc: recours of this activity (NULL: not classified)
    acces_direct VARCHAR,               -- doc: direct-access specialty
    savoir_faire_type VARCHAR, savoir_faire_code VARCHAR, savoir_faire_libelle VARCHAR, -- doc: savoir-faire
    categorie_code VARCHAR,             -- doc: professional category
    mode_code VARCHAR,                  -- doc: exercise mode code
    mode VARCHAR NOT NULL,              -- doc: libéral, salarié, bénévole, non renseigné
    secteur_code VARCHAR, secteur_libelle VARCHAR, -- doc: secteur d'activité
    cadre VARCHAR NOT NULL,             -- doc: setting (cabinet, centre de santé, officine, établissement…, non renseigné)
    structure_id VARCHAR, finess_site VARCHAR, -- doc: site identifiers
    commune_source VARCHAR,             -- doc: commune code as in the file
    code_postal VARCHAR,                -- doc: postal code as in the file
    commune_libelle_source VARCHAR,     -- doc: commune name as in the file
    localisation VARCHAR NOT NULL,      -- doc: how the place was found (code commune, code postal…)
    commune VARCHAR,                    -- doc: current commune (NULL: not located)
    unite VARCHAR,                      -- doc: unit (arrondissement in Paris, Lyon, Marseille; else the commune)
    poids DOUBLE,                       -- doc: 1/n over the practitioner's located sites
    PRIMARY KEY (extraction, ligne)
);

-- doc: Activities of the latest Annuaire Santé extraction (the one supply figures use).
CREATE VIEW ps_activites_courantes AS
    SELECT * FROM ps_activites WHERE extraction = (SELECT max(extraction) FROM ps_activites);

-- doc: Supply per unit of the latest extraction (distinct practitioners and site shares).
CREATE TABLE offre_commune (
    unite VARCHAR NOT NULL,             -- doc: unit
    commune VARCHAR NOT NULL,           -- doc: current commune
    groupe VARCHAR NOT NULL,            -- doc: Trame group
    specialite_code VARCHAR NOT NULL,   -- doc: specialty ('' when none)
    specialite_libelle VARCHAR,         -- doc: specialty name
    recours VARCHAR NOT NULL,           -- doc: recours ('non classé' when the profession is not classified)
    mode VARCHAR NOT NULL,              -- doc: exercise mode
    cadre VARCHAR NOT NULL,             -- doc: setting
    effectif BIGINT NOT NULL CHECK (effectif >= 0), -- doc: distinct practitioners
    etp_sites DOUBLE NOT NULL CHECK (etp_sites >= 0), -- doc: sum of site shares
    PRIMARY KEY (unite, groupe, specialite_code, recours, mode, cadre)
);

-- doc: Distinct practitioners per group of the latest extraction in each département, région and in France, rebuilt with offre_commune (the references a territory's densities are compared with).
CREATE TABLE effectifs_zones (
    niveau VARCHAR NOT NULL CHECK (niveau IN ('departement', 'region', 'france')), -- doc: level of the area
    code VARCHAR NOT NULL,              -- doc: code of the département or région ('' for France)
    groupe VARCHAR NOT NULL,            -- doc: Trame group
    praticiens BIGINT NOT NULL CHECK (praticiens >= 0), -- doc: distinct practitioners with a site in the area
    PRIMARY KEY (niveau, code, groupe)
);

-- doc: Anomalies of the Annuaire Santé extractions.
CREATE TABLE ps_anomalies (
    extraction DATE NOT NULL,           -- doc: date of the extraction
    type VARCHAR NOT NULL,              -- doc: kind of anomaly
    code VARCHAR NOT NULL,              -- doc: code concerned ('' when none)
    libelle VARCHAR,                    -- doc: label
    nb_lignes BIGINT NOT NULL,          -- doc: lines concerned
    premiere_ligne BIGINT,              -- doc: first line
    message VARCHAR NOT NULL,           -- doc: French explanation
    fichier VARCHAR,                    -- doc: file
    PRIMARY KEY (extraction, type, code)
);

-- doc: Establishments of the FINESS extraction.
CREATE TABLE etablissements (
    finess VARCHAR PRIMARY KEY,         -- doc: FINESS number of the establishment
    finess_ej VARCHAR,                  -- doc: legal entity
    nom VARCHAR,                        -- doc: name (raw; escaped by renderers)
    categorie_code VARCHAR, categorie_libelle VARCHAR, -- doc: category
    categorie_agregat_code VARCHAR, categorie_agregat_libelle VARCHAR, -- doc: aggregated category
    groupe VARCHAR,                     -- doc: group shown in reports (EHPAD, MSP…)
    statut_sph VARCHAR,                 -- doc: service public hospitalier
    departement VARCHAR,                -- doc: département code
    commune_source VARCHAR,             -- doc: commune as in the file
    commune VARCHAR,                    -- doc: current commune
    unite VARCHAR,                      -- doc: unit (arrondissement in Paris, Lyon, Marseille)
    code_postal VARCHAR,                -- doc: postal code
    adresse VARCHAR,                    -- doc: address
    lon DOUBLE, lat DOUBLE,             -- doc: WGS84 position
    x DOUBLE, y DOUBLE, epsg INTEGER,   -- doc: position as in the file, and its CRS
    source_coord VARCHAR,               -- doc: geocoding source
    date_ouverture VARCHAR,             -- doc: opening date
    ligne BIGINT,                       -- doc: line in the file
    extraction DATE                     -- doc: date of the extraction
);

-- doc: Anomalies of the FINESS extraction.
CREATE TABLE finess_anomalies (
    extraction DATE,                    -- doc: date of the extraction
    type VARCHAR NOT NULL,              -- doc: kind of anomaly
    code VARCHAR NOT NULL,              -- doc: code concerned ('' when none)
    libelle VARCHAR,                    -- doc: label
    nb_lignes BIGINT NOT NULL,          -- doc: lines concerned
    premiere_ligne BIGINT,              -- doc: first line
    message VARCHAR NOT NULL,           -- doc: French explanation
    fichier VARCHAR,                    -- doc: file
    PRIMARY KEY (type, code)
);

-- doc: INSEE Filosofi 2019 (disposable income per consumption unit), one row per row of the commune file that reaches the current geography.
CREATE TABLE filosofi_communes (
    code_source VARCHAR PRIMARY KEY,    -- doc: code in the file (COG of about 2021)
    unite VARCHAR NOT NULL,             -- doc: unit: current commune, arrondissement, or a whole city (75056, 69123, 13055)
    commune VARCHAR NOT NULL,           -- doc: current commune
    niveau VARCHAR NOT NULL CHECK (niveau IN ('commune', 'arrondissement', 'ville')), -- doc: commune; arrondissement of Paris, Lyon, Marseille; the whole city (never add it to its arrondissements)
    libelle VARCHAR,                    -- doc: name in the file
    menages BIGINT CHECK (menages >= 0), -- doc: fiscal households (NBMEN19)
    personnes BIGINT CHECK (personnes >= 0), -- doc: persons of those households (NBPERS19), the weight of approximations
    unites_consommation DOUBLE,         -- doc: consumption units (NBUC19)
    q1 DOUBLE, mediane DOUBLE, q3 DOUBLE, -- doc: quartiles of disposable income per consumption unit, € (mediane = Q219)
    d1 DOUBLE, d9 DOUBLE,               -- doc: first and ninth deciles, € (NULL: non diffusé)
    rapport_interdecile DOUBLE,         -- doc: D9/D1 (NULL: non diffusé)
    gini DOUBLE,                        -- doc: Gini index (NULL: non diffusé)
    part_activite DOUBLE, part_pensions DOUBLE, part_prestations DOUBLE, -- doc: shares of disposable income, % (NULL: non diffusé)
    part_minima_sociaux DOUBLE,         -- doc: share of minima sociaux in disposable income, % (NULL: non diffusé)
    secret BOOLEAN NOT NULL,            -- doc: statistical secrecy: only the counts and the median are published
    fusion BOOLEAN NOT NULL,            -- doc: several file rows fall in this unit (communes merged since the file)
    ligne BIGINT NOT NULL               -- doc: line in the file (header = 1)
);

-- doc: INSEE Filosofi 2019, one row per EPCI of 2021 (exact figures of an EPCI).
CREATE TABLE filosofi_epci (
    code VARCHAR PRIMARY KEY,           -- doc: SIREN of the EPCI (2021)
    libelle VARCHAR,                    -- doc: name in the file
    menages BIGINT CHECK (menages >= 0), -- doc: fiscal households
    personnes BIGINT CHECK (personnes >= 0), -- doc: persons of those households
    unites_consommation DOUBLE,         -- doc: consumption units
    q1 DOUBLE, mediane DOUBLE, q3 DOUBLE, -- doc: quartiles of disposable income per consumption unit, €
    d1 DOUBLE, d9 DOUBLE,               -- doc: first and ninth deciles, €
    rapport_interdecile DOUBLE,         -- doc: D9/D1
    gini DOUBLE,                        -- doc: Gini index
    part_activite DOUBLE, part_pensions DOUBLE, part_prestations DOUBLE, -- doc: shares of disposable income, %
    part_minima_sociaux DOUBLE,         -- doc: share of minima sociaux in disposable income, %
    secret BOOLEAN NOT NULL,            -- doc: a statistic other than counts and median is empty
    ligne BIGINT NOT NULL               -- doc: line in the file
);

-- doc: Rows of the Filosofi commune file that reach no current commune (reported by `make data`).
CREATE TABLE filosofi_non_rattaches (
    code VARCHAR PRIMARY KEY,           -- doc: code in the file
    libelle VARCHAR,                    -- doc: name in the file
    ligne BIGINT NOT NULL,              -- doc: line in the file
    raison VARCHAR NOT NULL             -- doc: French reason
);
