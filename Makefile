# LMP — everything a fresh machine needs goes through these targets.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEV_ENV := DEBUG=1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run worker worker-loop test test-fast bench lint format check-deploy clean totp docs \
	docs-serve messages messages-extract

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "LMP needs Python 3.11+"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install  ## migrate, load the demo data, serve on http://127.0.0.1:8000 with an e-mail worker
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/ — log in with one of the demo logins above."
	@echo "The worker runs beside it (e-mails print here, webhooks are posted; started again if it"
	@echo "exits); Ctrl-C stops both."
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	$(MAKE) --no-print-directory worker-loop & \
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

worker: install  ## the worker alone (sends queued e-mails and webhooks; run one or many, any machine)
	$(DEV_ENV) $(PY) manage.py worker --queue-name '*'

# Seconds worker-loop waits before starting a worker that exited again.
WORKER_RESTART_PAUSE ?= 5

worker-loop: install  ## the worker, started again whenever it exits (make run runs it; Ctrl-C stops it)
	@trap 'exit 130' INT TERM; \
	while true; do \
		$(DEV_ENV) $(PY) manage.py worker --queue-name '*'; \
		echo "make worker-loop: the worker exited (status $$?); starting it again in $(WORKER_RESTART_PAUSE) s."; \
		sleep $(WORKER_RESTART_PAUSE); \
	done

totp: install  ## the current two-factor code of the demo logins partner and staff (demo key)
	$(DEV_ENV) $(PY) manage.py demo_totp

test: install  ## the whole suite (PostgreSQL when DATABASE_URL is set)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: install  ## everything except the browser tests
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

# The bench's own database: created and marked by the bench, which drops only a database with its
# mark (it never reads DATABASE_URL; an unmarked database of this name makes it stop).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lmp_bench

bench: install  ## performance figures against references in the same run (BENCH_DATABASE_URL)
	BENCH_DATABASE_URL="$(BENCH_DATABASE_URL)" $(PY) -m bench $(BENCH_ARGS)

lint: install  ## ruff check and ruff format --check (CI runs it)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The documentation site: docs/mkdocs.yml, its pages in docs/pages/, built into docs/site/.
DOCS_PORT ?= 8001

docs: install  ## build the documentation site with --strict: a broken link or anchor fails it (CI)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --config-file docs/mkdocs.yml

docs-serve: install  ## the documentation site on http://127.0.0.1:8001, rebuilt as pages change
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve --strict --config-file docs/mkdocs.yml --dev-addr $(HOST):$(DOCS_PORT)

# The French catalogue (locale/fr_CA/LC_MESSAGES): makemessages over the code, templates and
# scripts, then compiled. Translate the new entries of the .po files, then run it again
# (docs/pages/development/translating.md). CI fails on a stale catalogue (tests/project/test_catalogue.py).
MESSAGES_IGNORE := --ignore 'docs/*' --ignore 'bench/*' --ignore 'tests/*' --ignore 'staticfiles/*' \
	--ignore 'static/vendor/*' --ignore 'node_modules/*'
MESSAGES_ARGS := --locale fr_CA --add-location file --no-obsolete $(MESSAGES_IGNORE)

messages: install  ## refresh locale/fr_CA from the code (gettext's tools), then compile it
	$(MAKE) --no-print-directory messages-extract
	$(DEV_ENV) $(PY) manage.py compilemessages --locale fr_CA --ignore '.venv'

# The extraction alone (the catalogue test runs it on a copy of the tree, with its own PY).
messages-extract:
	$(DEV_ENV) $(PY) manage.py makemessages --domain django $(MESSAGES_ARGS)
	$(DEV_ENV) $(PY) manage.py makemessages --domain djangojs $(MESSAGES_ARGS)

format: install
	$(VENV)/bin/ruff format .

check-deploy: install  ## Django's deployment checklist with production-like settings
	SECRET_KEY=check-deploy-$$(date +%s)-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ \
	ALLOWED_HOSTS=lmp.example DEBUG=0 $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache docs/site
