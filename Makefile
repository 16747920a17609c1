# Two commands do everything on a fresh machine with Python >= 3.11:
#   make demo   set up .venv, then run the main job on the embedded default
#   make test   set up .venv, then run the whole test suite
#   make soak   the reliability tests at full count (kills, fault storms; a few minutes)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed


.PHONY: install demo test soak bench clean

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

# The reliability tests at full count: apply killed at 50+ points over every phase, snapshot
# killed at 50 points, apply killed at each kind of configuration create, the fault storm
# (figures printed; see README "Reliability").
soak: $(STAMP)
	KILL_POINTS=50 SNAPSHOT_KILL_POINTS=50 KILL_CONFIG_ITEMS=1 $(BIN)/python -m pytest tests/reliability -s -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python bench/bench_seed.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info
