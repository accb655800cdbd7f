# Front Door. `make run` and `make test` install into .venv first (idempotent: reinstalls only when
# pyproject.toml or constraints.txt change).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := evals/data/demo/demo-call.json

.PHONY: install run demo ui test test-fast lint bench eval clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch first, the CPU wheel pinned in constraints.txt (a looser spec pulls a multi-GB CUDA build)
	$(BIN)/python -m pip install -q -c constraints.txt torch==2.13.0
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	# resemblyzer's webrtcvad does not build here and its 'typing' pin is stale: take the wheels, no deps
	$(BIN)/python -m pip install -q -c constraints.txt --no-deps resemblyzer==0.1.4 webrtcvad-wheels==2.0.14.post1
	touch $(STAMP)

install: $(STAMP)

# The main job on the embedded defaults: draft the demo call, then open the review workspace.
run: install
	$(BIN)/frontdoor draft $(DEMO) --out-dir data/demo
	$(BIN)/frontdoor summary data/demo/demo-call.json
	$(BIN)/frontdoor ui

demo: install
	$(BIN)/frontdoor draft $(DEMO) --out-dir data/demo
	$(BIN)/frontdoor summary data/demo/demo-call.json

ui: install
	$(BIN)/frontdoor ui

test: install
	$(BIN)/python -m ruff check assistant ui evals tests
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not models and not browser and not audio"

lint: install
	$(BIN)/python -m ruff check assistant ui evals tests
	$(BIN)/python -m mypy

eval: install
	$(BIN)/frontdoor eval evals/data/dev --folds 5 --also-train evals/data/train
	$(BIN)/frontdoor eval evals/data/holdout --folds 0

bench: install
	$(BIN)/python evals/bench_extract.py
	$(BIN)/python -m evals.guidance.bench --chunks 10000 --threads 2

clean:
	rm -rf $(VENV) data/demo
