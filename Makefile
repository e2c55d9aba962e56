# vlmnb: the two commands a newcomer needs.
#   make demo   install, then run the lip-reading pipeline end to end on offline synthetic GRID-like clips
#   make test   install, then run the notebook test suite (nbdev_test)
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
NBDEV_TEST_ARGS ?= --n_workers 2 --timing

.PHONY: install demo test check-export export readme

$(BIN)/nbdev_test: settings.ini setup.py
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -e ".[dev]"
	touch $(BIN)/nbdev_test

install: $(BIN)/nbdev_test

demo: install
	$(BIN)/vlmnb_demo

# the package must be what the notebooks export: a change made to vlmnb/*.py alone fails here
check-export: install
	$(BIN)/nbdev_export
	@if [ -n "$$(git status --porcelain -- vlmnb)" ]; then \
	  echo "vlmnb/ differs from what the notebooks export (edit the notebooks, run nbdev_export, commit):"; \
	  git status --porcelain -- vlmnb; git --no-pager diff --stat -- vlmnb; exit 1; fi

test: install check-export
	OMP_NUM_THREADS=1 $(BIN)/nbdev_test $(NBDEV_TEST_ARGS)

export: install
	$(BIN)/nbdev_export && $(BIN)/nbdev_clean

# README.md is generated from nbs/index.ipynb (images are referenced from nbs/images/)
readme: install
	$(BIN)/jupyter nbconvert --to markdown --log-level WARN --stdout nbs/index.ipynb | sed 's#](images/#](nbs/images/#g' > README.md
