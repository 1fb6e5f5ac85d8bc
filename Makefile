# wasec — the two commands that work on a fresh machine:
#   make demo   scan the bundled examples, a demo repository's history and an emulated AWS account (no AWS account needed)
#   make test   install and run the whole test suite (lint and type checks included)

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench bench-k8s bench-admission bench-aws bench-iam bench-secrets bench-history bench-report bench-scale bench-dashboard bench-startup clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@echo "== wasec scan examples/ (Terraform and CloudFormation, good and bad), saved in .wasec/history.db =="
	-$(BIN)/wasec scan examples/ --save
	@echo
	@echo "(exit code 1 above means: findings at or above --fail-on; that is the point of the demo)"
	@echo
	$(BIN)/python -m wasec.demo.secrets
	@echo
	@echo "== wasec demo (a live scan of an emulated AWS account, in this process, read-only) =="
	$(BIN)/wasec demo
	@echo
	@echo "== the saved scans in a dashboard: $(BIN)/wasec serve, then open http://127.0.0.1:8765/ =="

lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python bench/iac_bench.py

bench-aws: $(STAMP)
	$(BIN)/python bench/aws_bench.py

bench-iam: $(STAMP)
	$(BIN)/python bench/iam_bench.py

bench-secrets: $(STAMP)
	$(BIN)/python bench/secrets_bench.py

bench-history: $(STAMP)
	$(BIN)/python bench/history_bench.py

bench-report: $(STAMP)
	$(BIN)/python bench/report_bench.py

bench-admission: $(STAMP)
	$(BIN)/python bench/admission_bench.py

bench-k8s: $(STAMP)
	$(BIN)/python bench/k8s_bench.py

bench-scale: $(STAMP)
	$(BIN)/python bench/scale_bench.py

bench-startup: $(STAMP)
	$(BIN)/python bench/startup_bench.py

bench-dashboard: $(STAMP)
	$(BIN)/python bench/dashboard_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build src/*.egg-info
