# One distribution, three packages. `make install` then `make test`; `make conformance` is the main job.
PYTHON ?= python3
PYTEST_WORKERS ?= 2
AGENT ?= impl

.PHONY: install test lint typecheck unit conformance bench clean

install:
	$(PYTHON) -m pip install --upgrade pip
	$(PYTHON) -m pip install -e '.[dev]'

test: lint typecheck unit

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

typecheck:
	$(PYTHON) -m mypy

unit:
	$(PYTHON) -m pytest -n $(PYTEST_WORKERS) -q

conformance:
	$(PYTHON) -m conformance -n auto

bench:
	$(PYTHON) bench/impl_echo.py
	$(PYTHON) bench/mockserver_echo.py

# Maintainers only (not part of `test`): the real Autobahn|Testsuite (Python 2.7, cached in
# .cache/autobahn) against impl, the JS port if present, and the mock server.
.PHONY: autobahn
autobahn:
	$(PYTHON) tools/autobahn/calibrate.py

clean:
	rm -rf build *.egg-info .mypy_cache .ruff_cache reports/*/ reports/index.html
