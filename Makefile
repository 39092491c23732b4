# Who Blinks First? -- every target installs what it needs.
#   make book    create .venv, install the pinned requirements, build the site into _build/html
#   make serve   serve the built site on http://127.0.0.1:8000
#   make lab     start JupyterLab (with jupyterlab-myst) from the repository root on 127.0.0.1
#   make test    install test needs (incl. Debian chromium), build, and run the whole suite (2 workers in parallel);
#                prints each test group's time and the 15 slowest tests
#   make check   the inner loop (about a minute): lint, data invariants, unit tests, nbval on the notebooks changed
#                since the last green run; no browser, no site build (CHECK=--all: every notebook)
#   make test-profile  the whole suite in one process, group after group: each group's own time
#   make bench   build times, notebook times, page weights and paint times against the template, data load time,
#                grading time per submission and for 60 generated submissions, make check and the whole suite's
#                wall time (after make book). Parts alone: BENCH=--only-pages (weighs _build/html), --only-tests,
#                --only-grading; BENCH="--only-pages --against DIR" also paints the chart pages of another build
#                (DIR = its _build/html), interleaved with this one's
#   make vendor  re-vendor vega/vega-lite/vega-embed + widget manager from npm into _static/vendor
#   make outputs re-execute the notebooks in place (after changing data/ or standoff/)
#   make assignments  build the otter-grader assignments and the student kits into _build/assignments (and copy
#                the kits and student notebooks into _build/html/assignments); `make book` runs it after the site build
#   make grade ASSIGNMENT=<name> SUBMISSIONS=<dir>  grade every notebook in <dir>, each in a bubblewrap
#                sandbox; writes <dir>/gradebook.csv, feedback/, summary.html, answers/. Optional variables:
#                TIMEOUT CELL_TIMEOUT CPU MEMORY FILE_SIZE PROCESSES JOBS (limits; see --help),
#                REGRADE=1, SUBFOLDER=late, SHOW_NAMES=1, UNSAFE=1 (no sandbox: only for trusted notebooks)
#   make bwrap   install bubblewrap with apt-get when it is missing (make test and make grade need it)
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 8000
JB     := $(VENV)/bin/jupyter-book build . -W -n --keep-going

.PHONY: book serve lab test check test-profile bench vendor outputs chromium bwrap clean assignments grade

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

bwrap:
	if ! command -v bwrap >/dev/null; then \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; } || \
	  { echo "make: bubblewrap (bwrap) is missing and apt-get could not install it. Grading runs every"; \
	    echo "submission in a bubblewrap sandbox: install it (sudo apt-get install bubblewrap), or, only for"; \
	    echo "notebooks you trust, grade without the sandbox: make grade ... UNSAFE=1"; exit 1; }; fi
	bwrap --version

TESTS := tests intro.ipynb chapters appendix classroom --nbval --nbval-current-env

test: $(STAMP) chromium bwrap
	$(PY) -m pytest $(TESTS) -n 2 --dist loadfile --no-loadscope-reorder
	$(PY) scripts/check.py --record

check: $(STAMP)
	$(PY) scripts/check.py $(CHECK)

test-profile: $(STAMP) chromium bwrap
	$(PY) -m pytest $(TESTS) -p no:xdist

bench: $(STAMP) chromium bwrap
	$(PY) scripts/bench.py $(BENCH)

vendor: $(STAMP)
	scripts/vendor.sh $(PY)

assignments: $(STAMP)
	$(PY) scripts/assignments.py

# grading options are read from the make command line only (never from the environment: UNSAFE must be explicit)
arg = $(if $(filter command line,$(origin $(1))),$($(1)))
GRADE_FLAGS = $(if $(call arg,TIMEOUT),--timeout $(TIMEOUT)) $(if $(call arg,CELL_TIMEOUT),--cell-timeout $(CELL_TIMEOUT)) \
  $(if $(call arg,CPU),--cpu $(CPU)) $(if $(call arg,MEMORY),--memory $(MEMORY)) \
  $(if $(call arg,FILE_SIZE),--file-size $(FILE_SIZE)) $(if $(call arg,PROCESSES),--processes $(PROCESSES)) \
  $(if $(call arg,JOBS),--jobs $(JOBS)) $(if $(call arg,REGRADE),--regrade) \
  $(foreach f,$(call arg,SUBFOLDER),--subfolder $(f)) $(if $(call arg,SHOW_NAMES),--show-names) \
  $(if $(call arg,UNSAFE),--unsafe)

# UNSAFE=1 grades without the sandbox, so it does not need bubblewrap
grade: $(STAMP) $(if $(call arg,UNSAFE),,bwrap)
	test -n "$(ASSIGNMENT)" -a -n "$(SUBMISSIONS)" || \
	  { echo "usage: make grade ASSIGNMENT=<standoff|strategy|first_trade_war> SUBMISSIONS=<folder> [UNSAFE=1 ...]"; exit 2; }
	$(PY) -m standoff.classroom grade "$(ASSIGNMENT)" "$(SUBMISSIONS)" $(GRADE_FLAGS)

outputs: $(STAMP)
	$(PY) scripts/glossary.py
	$(PY) scripts/execute_notebooks.py

clean:
	rm -rf _build
