# Jingzhi — every target bootstraps .venv itself.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/jingzhi
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo serve test test-sqlite test-postgres test-browser bench soak lint mutate venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) manage.py demo --port $(PORT)

serve: $(STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

# The whole suite: lint, the layer contract, SQLite, PostgreSQL (required when JINGZHI_REQUIRE_POSTGRES=1),
# the browser suite (required when JINGZHI_REQUIRE_BROWSER=1) and schemathesis over our OpenAPI.
test: $(STAMP)
	$(PY) scripts/run_tests.py

# Mutation testing of one app's pure modules (minutes; not in `make test`):
# make mutate APP=cases [MODULE=workflow] [FUNCTIONS=sla,check]
mutate: $(STAMP)
	$(PY) scripts/mutate.py $(APP) $(MODULE) $(if $(FUNCTIONS),--functions $(FUNCTIONS))

bench: $(STAMP)
	$(PY) scripts/run_bench.py

# The scale-out soak (not in CI): primary + streaming replica, Redis, object store, two web nodes behind nginx,
# two workers, locust for MINUTES (default 10); kills a web node and a worker midway, then checks nothing was lost.
MINUTES ?= 10
soak: $(STAMP)
	$(PY) bench/soak.py --minutes $(MINUTES)

clean:
	rm -rf $(VENV) var
