# Two set-up commands for a fresh machine; each installs what it needs into .venv.
#   make demo                 train and evaluate on synthetic songs (no download)
#   make demo DATA=DIR        the same on a genre-per-folder tree of real music
#   make test                 the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test docs lint clean

# uv installs and byte-compiles the wheels in parallel: 25 s where pip takes
# 70.  (Byte-compiled at install, since an environment may forbid writing
# .pyc files later, and each of the tests' processes would compile
# TensorFlow anew.)  pip where uv cannot be installed or reach an index.
UV := $(BIN)/python -m pip install --quiet uv && $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python
PIP := $(BIN)/python -m pip install --quiet

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(UV) -e ".[cpu,av,test]" || $(PIP) -e ".[cpu,av,test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m skgenre demo $(if $(DATA),--data "$(DATA)")

# Tests run in one worker per core (pytest-xdist), each with one thread for
# numpy's BLAS and TensorFlow (10 % quicker than each worker using all cores).
TEST_THREADS := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1

test: $(STAMP)
	$(BIN)/ruff check skgenre tests benchmarks examples docs scripts
	$(TEST_THREADS) $(BIN)/python -m pytest -n auto --dist worksteal

DOCS_STAMP := $(VENV)/.installed-docs
$(DOCS_STAMP): $(STAMP)
	$(UV) -e ".[cpu,av,test,docs]" || $(PIP) -e ".[cpu,av,test,docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

lint: $(STAMP)
	$(BIN)/ruff check skgenre tests benchmarks examples docs scripts
	$(BIN)/ruff format --check skgenre tests benchmarks scripts

clean:
	rm -rf $(VENV) build *.egg-info
