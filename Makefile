# Two commands do everything on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 /root/.pyenv/versions/3.12.1/bin/python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: install install-test models migrate seed run test lint check-deploy clean

$(PY):
	@test -n "$(PYTHON)" || { echo "Python >= 3.12 is needed (Django 6). Install it, or run: make PYTHON=/path/to/python3.12"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) tools/requirements.py test > $(VENV)/requirements.txt
	$(PIP) install --disable-pip-version-check -q -r $(VENV)/requirements.txt
	$(PIP) install --disable-pip-version-check -q --no-deps $$($(PY) tools/requirements.py --no-deps)
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

models: install
	$(PY) manage.py models_install

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

seed: migrate
	$(PY) manage.py seed_demo

run: models seed
	$(PY) manage.py collectstatic --noinput -v0
	bin/serve

test: models
	tools/ensure_browsers.sh
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .

check-deploy: install
	DJANGO_SETTINGS_MODULE=hostsite.settings_production DJANGO_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
		DJANGO_ALLOWED_HOSTS=example.org $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var
