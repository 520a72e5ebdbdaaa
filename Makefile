# Every target creates and reuses .venv, so `make demo` and `make test` are the only set-up commands.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOME_DIR ?= .quorum-demo

.PHONY: demo test bench lint fmt clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,distributed]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/quorum demo --home $(HOME_DIR) $(if $(FILE),--file $(FILE),)

test: $(STAMP)
	$(BIN)/python -m pytest

# Peers (the `bench` extra) get venvs of their own: their pins must never change the runtime's.
PEERS := .venv-peers
$(PEERS)/smc/bin/python:
	$(PYTHON) -m venv $(PEERS)/smc
	$(PEERS)/smc/bin/pip install --quiet "smartmoneyconcepts>=0.0.27" || echo "smartmoneyconcepts unavailable"
$(PEERS)/vbt/bin/python:
	$(PYTHON) -m venv $(PEERS)/vbt
	$(PEERS)/vbt/bin/pip install --quiet "vectorbt>=0.26" || echo "vectorbt unavailable"

bench: $(STAMP) $(PEERS)/smc/bin/python $(PEERS)/vbt/bin/python
	QUORUM_SMC_PEER_PYTHON=$(CURDIR)/$(PEERS)/smc/bin/python \
	QUORUM_VBT_PYTHON=$(CURDIR)/$(PEERS)/vbt/bin/python \
	$(BIN)/python -m benchmarks.run $(BENCH)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

clean:
	rm -rf $(VENV) $(PEERS) $(HOME_DIR) benchmarks/results
