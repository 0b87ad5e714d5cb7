# Two commands for a newcomer: `make app` (install, then open the app) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TORCH := torch==2.13.0

.PHONY: install app test lint bench screenshots clean

install: $(VENV)/.installed

# CPU torch goes in first and pinned: an unpinned torch makes pip pull a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

app: install
	$(BIN)/streamlit run app.py

lint: install
	$(BIN)/ruff check src tests bench app.py app_pages

test: lint
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/retrieval.py
	cd bench && ../$(BIN)/python hybrid.py
	$(BIN)/python bench/embedding.py --sweep
	$(BIN)/python bench/peers.py
	$(BIN)/python bench/app_memory.py

screenshots: install
	ESSAY_KB_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/test_browser.py

clean:
	rm -rf $(VENV) index/gen-* index/CURRENT
