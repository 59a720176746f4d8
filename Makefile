# CPTS territorial diagnostic — see README.md.
# Set CPTS_DATA_MIRROR=../shared/data to read the local mirror instead of downloading.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN := $(PY) -m pipeline

TERRITORY ?=
SIGNATURE ?=
ADHERENTS ?=
AJOUT ?=
FLUX ?=
NOM ?=
PDF ?=
CPTS ?=
REGISTRY ?=
FINESS ?=
REGION ?=
DEPARTEMENT ?=
FRANCE ?=
DEPARTEMENTS ?=
SEUIL ?= 20000
LISTE ?=

# Values given by the user reach the program verbatim, never re-read by make or the shell: each is
# frozen to its raw text ($(value): a file name holding $(shell ...) is not run by make), exported
# to the recipes' environment and referenced there as "$$NAME" (quotes, backquotes, $(...) and ;
# in a value stay characters of the argument). New recipes must do the same, never "$(NAME)".
USER_VARIABLES := TERRITORY SIGNATURE ADHERENTS AJOUT FLUX NOM PDF CPTS REGISTRY FINESS REGION DEPARTEMENT \
  FRANCE DEPARTEMENTS SEUIL LISTE
$(foreach v,$(USER_VARIABLES),$(eval override $(v) := $$(value $(v))))
export $(USER_VARIABLES)

.PHONY: install test lint data diagnostic diagnostics coverage editeur bench clean help

help:
	@echo "make install | test | bench | clean"
	@echo "make data [DEPARTEMENTS=04,13 | FRANCE=1] [CPTS=liste.csv] [REGISTRY=annuaire.zip] [FINESS=finess.csv]"
	@echo "make diagnostic TERRITORY=... [SIGNATURE=AAAA-MM-JJ] [ADHERENTS=adherents.csv] [AJOUT=...] [FLUX=flux.csv] [NOM=...] [PDF=1]"
	@echo "make diagnostics LISTE=... | REGION=..."
	@echo "make coverage REGION=... | DEPARTEMENT=... | FRANCE=1 [SEUIL=20000]"
	@echo "make editeur REGION=... | DEPARTEMENT=... [CPTS=...], ou CPTS=... seule (les départements de cette CPTS)"
	@echo "Détail des variables : README.md ; python -m pipeline --help"

# Chromium comes from Debian's packages: as root, or through sudo; without either (an analyst's account), the
# environment is still made, and the warning says what needs it (make test, PDF=1) and the command to run.
install:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installation de Chromium (Debian) pour les tests navigateur et PDF=1"; \
	  if [ "$$(id -u)" = 0 ]; then as_root=; elif command -v sudo >/dev/null 2>&1; then as_root=sudo; else as_root=none; fi; \
	  if [ "$$as_root" = none ] || ! { $$as_root apt-get update -qq && \
	       $$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }; then \
	    if [ "$$as_root" = none ]; then why="droits d'administrateur nécessaires : « sudo apt-get install chromium »"; \
	    else why="apt-get a échoué : réseau, dépôts Debian ? relancez « apt-get install chromium »"; fi; \
	    echo "Attention : Chromium n'a pas pu être installé ($$why) ; make test et PDF=1 en ont besoin, les diagnostics non" >&2; \
	  fi; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	$(PY) -m compileall -q pipeline >/dev/null

lint:
	$(VENV)/bin/ruff check pipeline tests scripts
	$(VENV)/bin/mypy pipeline
	$(VENV)/bin/lint-imports

test: lint
	@# Bytecode written once: under PYTHONDONTWRITEBYTECODE every test subprocess would compile the package again.
	@$(VENV)/bin/python -m compileall -q pipeline tests >/dev/null
	CPTS_QUIET=1 $(VENV)/bin/pytest -q -n 2 --dist loadgroup

# A yes/no variable is on unless empty, 0, non, no, false, faux or off (PDF=0 printed the PDF, FRANCE=0 meant
# France): $(call flag,PDF,--pdf) writes --pdf or nothing. The value is only compared by the shell, never run.
flag = $$(case "$$$(1)" in ""|0|[Nn][Oo][Nn]|[Nn][Oo]|[Ff][Aa][Ll][Ss][Ee]|[Ff][Aa][Uu][Xx]|[Oo][Ff][Ff]) ;; *) echo $(2);; esac)

data:
	$(RUN) data $${CPTS:+--cpts "$$CPTS"} $${REGISTRY:+--registre "$$REGISTRY"} $${FINESS:+--finess "$$FINESS"} \
	  $${DEPARTEMENTS:+--departements "$$DEPARTEMENTS"} $(call flag,FRANCE,--toute-la-france)

diagnostic:
	@test -n "$$TERRITORY" || { echo "Erreur : précisez TERRITORY=..., ex. make diagnostic TERRITORY=\"cpts:CPTS du Verdon\"" >&2; exit 2; }
	$(RUN) diagnostic "$$TERRITORY" $${SIGNATURE:+--signature "$$SIGNATURE"} $${ADHERENTS:+--adherents "$$ADHERENTS"} \
	  $${AJOUT:+--ajout "$$AJOUT"} $${FLUX:+--flux "$$FLUX"} $${NOM:+--nom "$$NOM"} $(call flag,PDF,--pdf)

coverage:
	@test -n "$$REGION$$DEPARTEMENT$(call flag,FRANCE,1)" || { echo "Erreur : précisez REGION=..., DEPARTEMENT=... ou FRANCE=1, ex. make coverage REGION=93" >&2; exit 2; }
	@n=0; for v in "$$REGION" "$$DEPARTEMENT" "$(call flag,FRANCE,1)"; do test -n "$$v" && n=$$((n+1)); done; \
	  test $$n -le 1 || { echo "Erreur : une seule zone à la fois : REGION=..., DEPARTEMENT=... ou FRANCE=1, pas plusieurs" >&2; exit 2; }
	$(RUN) couverture $${REGION:+--region "$$REGION"} $${DEPARTEMENT:+--departement "$$DEPARTEMENT"} \
	  $(call flag,FRANCE,--france) --seuil "$$SEUIL"

# Values reach the program through the environment, never re-read by the shell (quotes, $(...) stay text).
editeur:
	@test -n "$$REGION$$DEPARTEMENT$$CPTS" || { echo "Erreur : précisez REGION=..., DEPARTEMENT=... ou CPTS=..., ex. make editeur REGION=93" >&2; exit 2; }
	$(RUN) editeur $${REGION:+--region "$$REGION"} $${DEPARTEMENT:+--departement "$$DEPARTEMENT"} \
	  $${CPTS:+--cpts "$$CPTS"}

diagnostics:
	@test -n "$$LISTE$$REGION" || { echo "Erreur : précisez LISTE=... ou REGION=..., ex. make diagnostics LISTE=paca" >&2; exit 2; }
	@test -z "$$LISTE" || test -z "$$REGION" || { echo "Erreur : LISTE=... ou REGION=..., pas les deux (LISTE= diagnostique les CPTS d'une liste, REGION= celles de toutes les listes dans la région)" >&2; exit 2; }
	$(RUN) diagnostics $${LISTE:+--liste "$$LISTE"} $${REGION:+--region "$$REGION"}

bench:
	$(PY) scripts/bench.py

clean:
	rm -rf data/processed/* data/raw/* maps/*/
	@touch data/raw/.gitkeep data/processed/.gitkeep
