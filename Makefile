# Two commands on a fresh machine: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
# The reliability scenarios run (once) under `make reliability`, which `make test` runs first.
RELIABILITY_TESTS := tests/test_reliability.py tests/test_fuzz_loader.py tests/test_injection.py tests/test_secrets.py
FUZZ_SECONDS ?= 300

.PHONY: run test lint bench reliability fuzz clean

run: $(VENV)/.installed
	$(BIN)/streamlit run app.py --server.port $(PORT)

test: $(VENV)/.installed-test chromium reliability
	$(BIN)/ruff check .
	$(BIN)/pytest $(addprefix --ignore=,$(RELIABILITY_TESTS))

# Faults survived, bad input tried, nothing lost or leaked: runs the scenarios and prints the table
# (about a minute); exits non-zero when anything that must be 0 is not.
reliability: $(VENV)/.installed-test
	$(BIN)/python -m tests.reliability

# Coverage-guided fuzzing of the loader with atheris (optional, installs it): FUZZ_SECONDS=600 make fuzz
fuzz: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet atheris
	mkdir -p tests/artifacts/fuzz-corpus
	$(BIN)/python fuzz/fuzz_loader.py tests/artifacts/fuzz-corpus -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	  -len_control=0 -artifact_prefix=tests/artifacts/

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

bench: $(VENV)/.installed-test chromium
	$(BIN)/python -m benchmarks

$(VENV)/.created:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Learning Loop needs Python 3.11 or newer; set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.created
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@

# Browser tests drive Debian's Chromium (no browser download): install it when it is missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis tests/artifacts
