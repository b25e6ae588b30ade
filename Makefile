# Each target makes .venv itself and installs what it needs; nothing is assumed installed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test fuzz bench lint clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/switchboard serve

# Debian's Chromium for the browser tests (tests/browser): installed from the package lists,
# never downloaded by Playwright. Without root and without it, those tests skip and say why
# (and fail under CI=true).
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "chromium is missing and we are not root: the browser tests will skip"; \
	  fi; \
	fi

# The suite runs on TEST_WORKERS processes (pytest-xdist), a whole file to one worker so that a
# module's server and its ordered chains stay together; most live and browser tests wait on
# Asterisk's ring times or on Chromium, so more workers than cores still pays.
# TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 3
test: $(STAMP) chromium
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The schemathesis run of tests/test_fuzz.py with many more examples per operation and role
# (make test runs a few, on SQLite), on SQLite and PostgreSQL. FUZZ_EXAMPLES=N to choose;
# what it found is listed in var/fuzz.txt.
FUZZ_EXAMPLES ?= 100
fuzz: $(STAMP)
	mkdir -p var
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_DATABASES=sqlite,postgres FUZZ_REPORT=var/fuzz.txt $(BIN)/python -m pytest -p no:randomly -s tests/test_fuzz.py $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy cti acd ivr wfm simulations dialer
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var .pytest_cache
