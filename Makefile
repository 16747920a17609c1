# Two commands do everything on a fresh machine with Python >= 3.11:
#   make demo   set up .venv, then run the main job on the embedded default
#   make test   set up .venv, then run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed


.PHONY: install demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/twenty-migrate demo --workdir demo-run

test: $(STAMP)
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_seed.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info
