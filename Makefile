# One distribution, three packages. `make install` then `make test`; `make conformance` is the main job.
PYTHON ?= python3
# Eight pytest workers on two cores: most tests wait (on sockets, timers, other processes); a
# whole suite run inside a test (serial) keeps a core busy a quarter of its time. Measured on
# two idle cores (pytest's part, alternating): 6 workers 154 s, 8 workers 139-146 s (and in an
# earlier tree 10 workers were slower than 8).
PYTEST_WORKERS ?= 8
AGENT ?= impl

.PHONY: install test test-full lint typecheck unit unit-full conformance bench clean test-oldest

install:
	$(PYTHON) -m pip install --upgrade pip
	$(PYTHON) -m pip install -e '.[dev]'
	@# The JS port (ports/js-ws) and its pinned ws; tests/conformance/test_js_port.py skips without it.
	@# ports/js-shipped has no dependencies of its own: it imports ports/js-ws.
	@# The ArkTS driver's checks: the ArkTS linter and tsc from ohos-typescript (pinned).
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix ports/js-ws --no-audit --no-fund; \
		npm ci --prefix conformance/drivers/arkts --no-audit --no-fund; \
	else \
		echo "note: npm not found: ports/js-ws and the ArkTS checks not installed, their tests will skip"; \
	fi

# `make test`: lint, type check, and every kind of proof the tests make (2.5 min on two
# idle cores). `make test-full`: the same with the proofs that need minutes at full size (what
# CI runs, .ci/run; about 13 min on two idle cores): the whole suite for every SHOULD/INFO
# broken implementation (make test: on its clause); every case for impl through the stdio
# driver, impl over wss, ports/js-ws through the Node.js driver and the shipped-platform port
# with all its switches (make test: the API cases and one wire case per Autobahn group); one
# suite run per switch of the shipped-platform port and a second run with all of them, to show
# the verdicts are stable (make test: none); the whole suite over both TCP modes and in
# docs/device.md's walk-through (make test: a selection); 300 examples a hostile-input property
# (make test: 100).
test: lint typecheck unit

test-full: lint typecheck unit-full

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

# mypy --strict on impl/, mockserver/ and conformance/ (pyproject.toml: strict = true).
typecheck:
	$(PYTHON) -m mypy

# One test at a time to each worker (--maxschedchunk 1), longest first (tests/schedule.py), so
# that no long test starts last. Bytecode is written even if PYTHONDONTWRITEBYTECODE is set:
# the tests start some two hundred suite processes, each would compile the project anew
# (pytest's assertion rewriting included), and that doubled their CPU time.
PYTEST_RUN = PYTHONDONTWRITEBYTECODE= $(PYTHON) -m pytest -n $(PYTEST_WORKERS) --maxschedchunk 1 -q
FULL_ENV = OHOS_TEST_FULL=1 OHOS_TCP_FULL=1 OHOS_SHIPPED_EACH=1

unit:
	$(PYTEST_RUN)

# At full size a test may rightly run past pyproject's 120 s hang report (the shipped port's
# runs per switch, the device guide over TCP): its stacks would fill CI's log for nothing.
unit-full:
	$(FULL_ENV) $(PYTEST_RUN) -o faulthandler_timeout=900

# Not part of `test`: the mock server's memory and loop latency, 4 long connections for 60 s
# and 5,000 at once (bench/soak.py; server in a process of its own, loopback only).
.PHONY: soak
soak:
	$(PYTHON) bench/soak.py

conformance:  # everything, with all 54 cases of Autobahn's family 9 (docs/wire-cases.md)
	$(PYTHON) -m conformance -n auto --wire-perf all

# The oldest aiohttp pyproject allows, in a venv of its own: impl's tests and the whole suite.
# (The newest is what `make install` gets.) Kept short for CI: about half a minute.
OLDEST_AIOHTTP ?= 3.14.2
OLDEST_VENV ?= build/venv-aiohttp-$(OLDEST_AIOHTTP)

test-oldest:
	$(PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_VENV)/bin/python -m pip install -q -e . 'aiohttp==$(OLDEST_AIOHTTP)'
	$(OLDEST_VENV)/bin/python -c 'import aiohttp; assert aiohttp.__version__ == "$(OLDEST_AIOHTTP)"'
	$(OLDEST_VENV)/bin/python -m pytest -q tests/impl
	$(OLDEST_VENV)/bin/python -m conformance -n 2 --report-dir build/reports-aiohttp-$(OLDEST_AIOHTTP)

# Part of `test-full`, not of `test` (which runs the shipped-platform port with all its
# switches): the same port with each switch alone, one suite run per switch (about 20 s each).
# One switch: OHOS_SHIPPED_EACH=1 python -m pytest tests/conformance/test_shipped_port.py -k NAME
# Part of `test-full`, not of `test` (which runs a selection, about 60 cases each): the whole suite
# over both TCP modes for impl, ports/js-ws and the ArkTS driver under Node, compared case for
# case with stdio, and docs/device.md's stand-in walk-through with the whole suite (~4 min).
.PHONY: test-device
test-device:
	OHOS_TCP_FULL=1 $(PYTHON) -m pytest -q -n $(PYTEST_WORKERS) tests/conformance/test_tcp_verdicts.py tests/test_device_guide.py

# The ArkTS driver alone: the ArkTS linter and tsc --strict (also run by `test`).
.PHONY: arkts-lint
arkts-lint:
	node conformance/drivers/arkts/tools/build.mjs lint

.PHONY: test-shipped
test-shipped:
	OHOS_SHIPPED_EACH=1 $(PYTHON) -m pytest -q tests/conformance/test_shipped_port.py

bench:
	$(PYTHON) bench/impl_echo.py
	$(PYTHON) bench/mockserver_echo.py

# Maintainers only (not part of `test`): the real Autobahn|Testsuite (Python 2.7, cached in
# .cache/autobahn) against impl, the JS port if present, and the mock server.
.PHONY: autobahn
autobahn:
	$(PYTHON) tools/autobahn/calibrate.py

clean:
	rm -rf ports/js-ws/node_modules build *.egg-info .mypy_cache .ruff_cache reports/*/ reports/index.html
