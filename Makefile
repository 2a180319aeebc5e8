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
	$(PIP) install -e '.[dev,service,e2e]'
	@touch $@

venv: $(VENV)/.base-installed
venv-dev: $(VENV)/.dev-installed

## demo: screen the bundled example messages, then analyse the example article
demo: venv
	$(BIN)/notice-nlp screen examples/messages.jsonl -o out/demo/verdicts.jsonl
	$(BIN)/python -c "import json; [print(f\"{r['id']:6} {r['label']:12} review={r['needs_review']!s:5} tags={[t['id'] for t in r['tags']]}\") for r in map(json.loads, open('out/demo/verdicts.jsonl', encoding='utf-8'))]"
	$(BIN)/notice-nlp analyze examples/article_web_copy.txt -o out/demo/articles --quiet
	$(BIN)/python -c "import json; r=json.loads(open('out/demo/articles/articles.jsonl', encoding='utf-8').readline()); print(r['title']); [print(' ', k, [t['id'] for t in r[k]]) for k in ('causes', 'strategies', 'impacts')]"
	@echo "full results: out/demo/verdicts.jsonl and out/demo/articles/ (report.html)"

## test: the whole test suite
test: venv-dev
	$(BIN)/python -m pytest

## wheel-check: build the wheel, install it in a fresh venv and run it from another directory
wheel-check: venv-dev
	bash .ci/wheel-check

bench: venv-dev
	$(BIN)/python benchmarks/bench_text.py
	$(BIN)/python benchmarks/bench_screen.py
	$(BIN)/python benchmarks/bench_screen_stages.py

clean:
	rm -rf $(VENV) build dist .pytest_cache
