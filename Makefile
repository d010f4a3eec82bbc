# Kujdes — the two commands of the README, and a few for developers.
# The environment is built with uv from the committed lock file (uv.lock).

SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
KUJDES := $(VENV)/bin/kujdes
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: env demo demo-reset test lint bench bench-linkage messages clean

# uv itself, when the machine lacks it: pip-installed into .tools/.
.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet 'uv>=0.5'

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

env: $(VENV)/.synced

# The demo: SQLite under var/, the synthetic demo network, served on 127.0.0.1:$(PORT).
demo: export KUJDES_HTTPS ?= false
demo: export KUJDES_EMAIL_BACKEND ?= console
demo: export KUJDES_TASKS ?= immediate
demo: export DATABASE_URL := sqlite:///$(CURDIR)/var/kujdes.sqlite3
demo: export KUJDES_SITE_URL ?= http://127.0.0.1:$(PORT)
demo: env
	$(KUJDES) keys init --if-missing
	$(KUJDES) migrate --no-input -v 0
	$(KUJDES) collectstatic --no-input -v 0
	$(KUJDES) demo
	$(KUJDES) federation init --if-missing --name "Kujdes — Caritas Albania (demo)" \
		--url http://127.0.0.1:$(PORT) --country AL --operator caritas-al --coordinator
	@echo
	@echo "Kujdes demo: http://127.0.0.1:$(PORT)/   (Ctrl-C stops it)"
	$(KUJDES) runserver 127.0.0.1:$(PORT) --noreload

demo-reset:
	rm -f var/kujdes.sqlite3* var/keys/keystore.sqlite3* var/demo-accounts.json
	$(MAKE) demo

# The whole suite: PostgreSQL when DATABASE_URL is set, SQLite otherwise.
# The suite runs in TEST_WORKERS processes (pytest-xdist, one test file per worker at a time);
# TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 2
test: env
	$(VENV)/bin/pytest $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadfile)

lint: env
	$(VENV)/bin/ruff check kujdes bench
	$(VENV)/bin/ruff format --check kujdes bench

messages: env
	cd kujdes && ../$(KUJDES) makemessages --all --no-obsolete --add-location file -i 'locale_vendor/*'
	cd kujdes && ../$(KUJDES) compilemessages -v 0

bench: env
	$(VENV)/bin/python bench/run.py

# Record linkage against Splink 5 (issue 16); Splink lives in var/bench-linkage-venv, made by the script.
# LARGE=1 adds the synthetic 1M run.
bench-linkage: env
	$(VENV)/bin/python bench/linkage/run.py $(if $(LARGE),--large)

clean:
	rm -rf $(VENV) .tools
