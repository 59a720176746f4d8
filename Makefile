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
SEUIL ?= 20000
LISTE ?=

.PHONY: install test lint data diagnostic diagnostics coverage editeur bench clean help

help:
	@echo "make install | test | data | diagnostic TERRITORY=... [NOM=... PDF=1] | diagnostics LISTE=...|REGION=... | coverage REGION=...|DEPARTEMENT=...|FRANCE=1 | editeur REGION=...|DEPARTEMENT=... [CPTS=...] | bench | clean"

install:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installation de Chromium (Debian) pour les tests navigateur"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null

lint:
	$(VENV)/bin/ruff check pipeline tests scripts
	$(VENV)/bin/mypy pipeline
	$(VENV)/bin/lint-imports

test: lint
	CPTS_QUIET=1 $(VENV)/bin/pytest -q -n 2 --dist loadgroup

data:
	$(RUN) data $(if $(CPTS),--cpts "$(CPTS)") $(if $(REGISTRY),--registre "$(REGISTRY)") $(if $(FINESS),--finess "$(FINESS)")

diagnostic:
	@test -n "$(TERRITORY)" || { echo "Erreur : précisez TERRITORY=..., ex. make diagnostic TERRITORY=\"cpts:CPTS du Verdon\""; exit 2; }
	$(RUN) diagnostic "$(TERRITORY)" $(if $(SIGNATURE),--signature "$(SIGNATURE)") \
	  $(if $(ADHERENTS),--adherents "$(ADHERENTS)") $(if $(AJOUT),--ajout "$(AJOUT)") $(if $(FLUX),--flux "$(FLUX)") \
	  $(if $(NOM),--nom "$(NOM)") $(if $(PDF),--pdf)

coverage:
	$(RUN) couverture $(if $(REGION),--region $(REGION)) $(if $(DEPARTEMENT),--departement $(DEPARTEMENT)) \
	  $(if $(FRANCE),--france) --seuil $(SEUIL)

# Values reach the program through the environment, never re-read by the shell (quotes, $(...) stay text).
editeur:
	@test -n "$$MK_REGION$$MK_DEPARTEMENT$$MK_CPTS" || { echo "Erreur : précisez REGION=..., DEPARTEMENT=... ou CPTS=..., ex. make editeur REGION=93"; exit 2; }
	$(RUN) editeur $${MK_REGION:+--region "$$MK_REGION"} $${MK_DEPARTEMENT:+--departement "$$MK_DEPARTEMENT"} \
	  $${MK_CPTS:+--cpts "$$MK_CPTS"}

diagnostics:
	@test -n "$$MK_LISTE$$MK_REGION" || { echo "Erreur : précisez LISTE=... ou REGION=..., ex. make diagnostics LISTE=paca"; exit 2; }
	$(RUN) diagnostics $${MK_LISTE:+--liste "$$MK_LISTE"} $${MK_REGION:+--region "$$MK_REGION"}

editeur diagnostics: export MK_REGION = $(value REGION)
editeur diagnostics: export MK_DEPARTEMENT = $(value DEPARTEMENT)
editeur diagnostics: export MK_CPTS = $(value CPTS)
editeur diagnostics: export MK_LISTE = $(value LISTE)

bench:
	$(PY) scripts/bench.py

clean:
	rm -rf data/processed/* data/raw/* maps/*/
	@touch data/raw/.gitkeep data/processed/.gitkeep
