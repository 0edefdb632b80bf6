# One distribution, three packages. `make install` then `make test`; `make conformance` is the main job.
PYTHON ?= python3
PYTEST_WORKERS ?= 2
AGENT ?= impl

.PHONY: install test lint typecheck unit conformance bench clean

install:
	$(PYTHON) -m pip install --upgrade pip
	$(PYTHON) -m pip install -e '.[dev]'
	@# The JS port (ports/js-ws) and its pinned ws; tests/conformance/test_js_port.py skips without it.
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix ports/js-ws --no-audit --no-fund; \
	else \
		echo "note: npm not found: ports/js-ws not installed, its conformance test will skip"; \
	fi

test: lint typecheck unit

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

typecheck:
	$(PYTHON) -m mypy

unit:
	$(PYTHON) -m pytest -n $(PYTEST_WORKERS) -q

conformance:  # everything, with all 54 cases of Autobahn's family 9 (docs/wire-cases.md)
	$(PYTHON) -m conformance -n auto --wire-perf all

bench:
	$(PYTHON) bench/impl_echo.py
	$(PYTHON) bench/mockserver_echo.py

clean:
	rm -rf ports/js-ws/node_modules build *.egg-info .mypy_cache .ruff_cache reports/*/ reports/index.html
