# The two commands of the README: `make serve` and `make test`. Both create the
# virtual environment on first use; it is rebuilt when pyproject.toml changes.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 3000

.PHONY: serve test install clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

serve: install
	$(PY) -m chalicelib.local.server --port $(PORT)

test: install
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) build .pytest_cache
