# Who Blinks First? -- every target installs what it needs.
#   make book    create .venv, install the pinned requirements, build the site into _build/html
#   make serve   serve the built site on http://127.0.0.1:8000
#   make lab     start JupyterLab (with jupyterlab-myst) from the repository root on 127.0.0.1
#   make test    install test needs (incl. Debian chromium), build, and run the whole suite
#   make bench   build times, notebook times, page weights, data load time
#   make vendor  re-vendor vega/vega-lite/vega-embed + widget manager from npm into _static/vendor
#   make outputs re-execute the notebooks in place (after changing data/ or standoff/)
#   make assignments  build the otter-grader assignments into _build/assignments (and copy the student
#                notebooks into _build/html/assignments); `make book` runs it after the site build
#   make grade ASSIGNMENT=<name> SUBMISSIONS=<dir>  grade every notebook in <dir>; writes <dir>/gradebook.csv
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 8000
JB     := $(VENV)/bin/jupyter-book build . -W -n --keep-going

.PHONY: book serve lab test bench vendor outputs chromium clean assignments grade

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip check
	touch $@

book: $(STAMP)
	$(JB)
	$(PY) scripts/assignments.py
	@echo
	@echo "Built. Open _build/html/index.html in a browser, or run: make serve"

serve: $(STAMP)
	test -f _build/html/index.html || $(JB)
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	$(PY) -m http.server --bind 127.0.0.1 --directory _build/html $(PORT)

# From the repository root, so charts load the vendored Vega bundle through the server (files/_static/...).
# LAB_ARGS passes more options, e.g. LAB_ARGS=--no-browser.
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --ServerApp.root_dir="$(CURDIR)" \
	  $$( [ "$$(id -u)" = 0 ] && echo --allow-root ) $(LAB_ARGS)

chromium:
	if ! command -v chromium >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi
	chromium --version

test: $(STAMP) chromium
	$(PY) -m pytest tests intro.ipynb chapters appendix classroom \
	  --nbval --nbval-current-env

bench: $(STAMP) chromium
	$(PY) scripts/bench.py

vendor: $(STAMP)
	scripts/vendor.sh $(PY)

assignments: $(STAMP)
	$(PY) scripts/assignments.py

grade: $(STAMP)
	test -n "$(ASSIGNMENT)" -a -n "$(SUBMISSIONS)" || \
	  { echo "usage: make grade ASSIGNMENT=<standoff|strategy|first_trade_war> SUBMISSIONS=<folder>"; exit 2; }
	$(PY) -m standoff.classroom grade "$(ASSIGNMENT)" "$(SUBMISSIONS)"

outputs: $(STAMP)
	$(PY) scripts/execute_notebooks.py

clean:
	rm -rf _build
