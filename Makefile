# Two entry points (see README): `make demo` and `make test`. Each sets up .venv on its own.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check --quiet

.PHONY: demo test venv venv-dev bench evaluate train clean wheel-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.base-installed: $(BIN)/python pyproject.toml
	$(PIP) install -e .
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.base-installed pyproject.toml
	$(PIP) install -e '.[dev]'
	@touch $@

venv: $(VENV)/.base-installed
venv-dev: $(VENV)/.dev-installed

## demo: screen the bundled example messages and normalise the example article
demo: venv
	$(BIN)/notice-nlp normalize examples/article_web_copy.txt

## test: the whole test suite
test: venv-dev
	$(BIN)/python -m pytest

## wheel-check: build the wheel, install it in a fresh venv and run it from another directory
wheel-check: venv-dev
	bash .ci/wheel-check

bench: venv-dev
	$(BIN)/python benchmarks/bench_text.py

clean:
	rm -rf $(VENV) build dist .pytest_cache
