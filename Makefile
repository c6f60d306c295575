# KAM analytics: `make` alone prints this help.
# Every target builds .venv (pip) first when it is missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
KAM    := $(BIN)/kam
SAMPLE := data/sample
DATA   ?= $(SAMPLE)
QUARTER ?=
JOBS   ?=

.DEFAULT_GOAL := help
.PHONY: help venv sample validate report test lint lab bench chaos clean

help:  ## Show this help
	@echo "KAM analytics: make <target>"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*?## "}; {printf "  %-10s %s\n", $$1, $$2}'
	@echo
	@echo "Variables: DATA=$(DATA) QUARTER=<latest in data> JOBS=<cpu count>"

$(BIN)/kam: pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -e ".[test,lab]"
	$(BIN)/python -m ipykernel install --sys-prefix --name kam --display-name "KAM (kamlib)" >/dev/null
	@touch $(BIN)/kam

venv: $(BIN)/kam  ## Create .venv and install kamlib with its pinned dependencies, tests and JupyterLab

$(SAMPLE)/truth.json: | $(BIN)/kam
	$(KAM) synth --out $(SAMPLE)

# the sample is generated only when it is the data asked for (DATA may be a folder or a URL)
DATA_DEPS := $(if $(filter $(SAMPLE),$(DATA)),sample)

sample: $(SAMPLE)/truth.json  ## Generate the bundled sample data (data/sample) if missing

validate: venv $(DATA_DEPS)  ## Check the data against the contract and print the summary
	@$(KAM) validate --data '$(DATA)'  # not echoed: DATA may hold a password

report: venv $(DATA_DEPS)  ## Render the latest quarter's HTML report into reports/ (QUARTER=, DATA=, JOBS=)
	@$(KAM) report --data '$(DATA)' $(if $(QUARTER),--quarter $(QUARTER)) $(if $(JOBS),--jobs $(JOBS))

test: venv sample  ## Run the whole test suite
	$(BIN)/python -m pytest

lint:  venv ## Run ruff on the code, the tests, the benchmarks and the notebooks
	$(BIN)/ruff check kamlib tests bench notebooks

lab: venv sample  ## Start JupyterLab with the project kernel
	$(BIN)/jupyter lab --notebook-dir=notebooks

bench: venv  ## The speed goals against baselines, 1 M and 10 M interactions (an hour or more; bench/results.md)
	$(BIN)/python bench/run.py

chaos: venv sample  ## Kill report runs at random moments (KILLS=20); the published report must survive
	KAM_CHAOS_KILLS=$(or $(KILLS),20) $(BIN)/python -m pytest -m chaos tests/system/test_report_runs.py

clean:  ## Remove the venv, caches and generated data (keeps reports)
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis $(SAMPLE) .cache
