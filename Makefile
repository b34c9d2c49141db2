# The two commands: `make demo` and `make test`. Both create .venv and install on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test release-test install browser clean

$(STAMP): requirements.txt requirements-nodeps.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -r requirements-nodeps.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium drives the leaderboard's browser test (no browser download).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

# `make test` runs everything, tests/release included (it builds the release and proves it in
# fresh venvs made from the staged files' own requirements); `make release-test` runs only those.
test: $(STAMP) browser
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

release-test: $(STAMP) browser
	$(BIN)/python -m pytest -q -m release tests/release

clean:
	rm -rf $(VENV) demo_out
