# propdesk: `make run` serves the embedded default, `make test` runs the whole suite.
PY      ?= python3
UV      := .tools/bin/uv
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
HOST    ?= 127.0.0.1
PORT    ?= 8000
WORKERS ?= auto
# The suites that touch the database run a second time on PostgreSQL.
POSTGRES_TESTS ?= $(wildcard tests/api tests/autotrade tests/store tests/marketdata tests/auth tests/engine tests/trading tests/ws tests/signals tests/test_cli_*.py)

.PHONY: install lock run test test-postgres lint bench openapi asyncapi-check migrate clean web

$(UV):
	$(PY) -m venv .tools
	.tools/bin/pip install --quiet uv==0.13.9

# Re-installs only when the lock or the project metadata changed.
$(STAMP): requirements.lock pyproject.toml | $(UV)
	@test -x $(BIN)/python || $(UV) venv --quiet $(VENV)
	$(UV) pip install --quiet --python $(BIN)/python --require-hashes -r requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

install: $(STAMP)

lock: | $(UV)
	$(UV) pip compile pyproject.toml --group dev --generate-hashes --universal -o requirements.lock

# The dashboard (web/): `npm ci` when the lock changed, `npm run build` when a source did.
WEB         := web
WEB_STAMP   := $(WEB)/node_modules/.installed
WEB_SOURCES := $(shell find $(WEB)/src -type f ! -name schema.d.ts) \
               $(WEB)/index.html $(WEB)/vite.config.ts $(WEB)/tsconfig.json $(WEB)/package.json
$(WEB_STAMP): $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --ignore-scripts
	@touch $@
$(WEB)/dist/index.html: $(WEB_STAMP) $(WEB_SOURCES)
	cd $(WEB) && npm run build
	@touch $@

web: $(WEB)/dist/index.html

run: install web
	$(BIN)/propdesk migrate
	$(BIN)/propdesk serve --host $(HOST) --port $(PORT)

migrate: install
	$(BIN)/propdesk migrate

# The whole suite: SQLite everywhere, plus the same store and API tests on PostgreSQL
# when PROPDESK_TEST_POSTGRES_URL is set (.ci/run sets it).
# The end-to-end tests (browser) run in a pytest of their own: Playwright's synchronous API
# holds an event loop for the session, which the asyncio tests beside it cannot share.
test: install web
	$(BIN)/pytest -n $(WORKERS) -q --ignore=tests/e2e
	$(BIN)/pytest -q tests/e2e
	PROPDESK_TEST_DATABASE=postgres $(BIN)/pytest -n $(WORKERS) -q $(POSTGRES_TESTS)

lint: install $(WEB_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	cd $(WEB) && npm run typecheck

bench: install
	$(BIN)/python -m bench

openapi: install
	$(BIN)/propdesk openapi --output openapi.json

# The WebSocket's AsyncAPI document, validated by the AsyncAPI parser itself (node, locked).
ASYNCAPI := tools/asyncapi
$(ASYNCAPI)/node_modules/.installed: $(ASYNCAPI)/package-lock.json
	cd $(ASYNCAPI) && npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

asyncapi-check: install $(ASYNCAPI)/node_modules/.installed
	@mkdir -p var
	$(BIN)/python -m propdesk.ws.asyncapi > var/asyncapi.json
	node $(ASYNCAPI)/validate.mjs var/asyncapi.json

clean:
	rm -rf $(VENV) .tools var .pytest_cache .mypy_cache .ruff_cache $(WEB)/node_modules $(WEB)/dist
