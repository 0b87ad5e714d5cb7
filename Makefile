# Two commands for a newcomer: `make app` (install, then start the app and print its URL) and `make test` (CI's command);
# `make check` is the developers' fast tier (lint + the tests not marked slow, a few minutes).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TORCH := torch==2.13.0

.PHONY: install app test check lint bench screenshots clean

install: $(VENV)/.installed

# CPU torch goes in first and pinned: an unpinned torch makes pip pull a multi-GB CUDA build, and so does
# PyPI's pinned one on Linux; the script adds PyTorch's CPU index only where pip's sources lack the CPU build.
$(VENV)/.installed: pyproject.toml scripts/install-torch.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	bash scripts/install-torch.sh $(BIN)/python $(TORCH)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

app: install
	$(BIN)/streamlit run app.py

lint: install
	$(BIN)/ruff check src tests bench app.py app_pages

test: lint
	$(BIN)/python -m pytest

check: lint
	$(BIN)/python -m pytest -m "not slow"

bench: install
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/retrieval.py
	cd bench && ../$(BIN)/python hybrid.py
	$(BIN)/python bench/embedding.py --sweep
	$(BIN)/python bench/peers.py
	$(BIN)/python bench/app_memory.py

# The browser tests take a screenshot of every page they visit (build/screenshots/); the README shows these.
README_SHOTS := zh-ask zh-library zh-compare zh-about corpus-map-hover ask library compare rebuild about
screenshots: install
	$(BIN)/python -m pytest tests/test_browser.py tests/test_browser_zh.py tests/test_browser_library.py \
		tests/test_browser_map.py
	for shot in $(README_SHOTS); do cp build/screenshots/$$shot.png docs/screenshots/; done

clean:
	rm -rf $(VENV) index/gen-* index/CURRENT
