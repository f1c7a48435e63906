# Two set-up commands for a fresh machine; each installs what it needs into .venv.
#   make demo                 train and evaluate on synthetic songs (no download)
#   make demo DATA=DIR        the same on a genre-per-folder tree of real music
#   make test                 the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test docs lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[cpu,av,test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m skgenre demo $(if $(DATA),--data "$(DATA)")

# Tests run in one worker per core (pytest-xdist): most of their time is
# Keras' model building and tracing, single-threaded.
test: $(STAMP)
	$(BIN)/ruff check skgenre tests benchmarks examples docs scripts
	$(BIN)/python -m pytest -n auto --dist worksteal

DOCS_STAMP := $(VENV)/.installed-docs
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

lint: $(STAMP)
	$(BIN)/ruff check skgenre tests benchmarks examples docs scripts
	$(BIN)/ruff format --check skgenre tests benchmarks scripts

clean:
	rm -rf $(VENV) build *.egg-info
