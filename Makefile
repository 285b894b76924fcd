# Two commands for a fresh machine (each sets up .venv first):
#   make book   build the book with every chapter executed  → _build/html/index.html
#   make test   unit tests + every chapter executed by nbval
#   (make slides: lecture slides from the executed chapters, after make book;
#    make screenshots: the front page and a chapter in headless Chromium, after make book;
#    make pdf: the whole book as one PDF)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SETUP  := $(VENV)/.setup-done

.PHONY: setup test test-slow book slides screenshots pdf clean

setup: $(SETUP)

$(SETUP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

test: $(SETUP)
	$(BIN)/python -m pytest

test-slow: $(SETUP)
	$(BIN)/python -m pytest -m slow tests

book: $(SETUP)
	$(BIN)/jupyter-book build . -W --keep-going
	$(BIN)/python tests/check_links.py _build/html

# reveal.js slides of every executed chapter (for lectures) → _build/slides/*.slides.html
slides: book
	$(BIN)/python tools/slides.py _build/jupyter_execute/book _build/slides

# the built site in headless Chromium → _build/screenshots/*.png; fails if Korean does not render
screenshots: $(SETUP)
	$(BIN)/python tools/screenshots.py _build/html _build/screenshots

# the whole book as one PDF: the single-page build (executed chapters from the cache) printed by
# headless Chromium → _build/pdf/probing-rnns.pdf; fails without every chapter, Hangul or embedded fonts
pdf: $(SETUP)
	$(BIN)/python tools/pdf.py _build/pdf/probing-rnns.pdf

clean:
	rm -rf _build
