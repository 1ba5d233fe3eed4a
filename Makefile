# Backprop Lab: `make run` starts the app, `make test` runs every check CI runs.
# Both install whatever is missing first: Python packages into .venv, and Debian's packages.

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
VENV ?= .venv
BIN := $(VENV)/bin
RUN_DEPS := $(VENV)/.installed-run
DEPS := $(VENV)/.installed-dev

VENDOR := static/vendor/.installed
# One-file bundles of our own front-end modules (with KaTeX, and Graphviz compiled to WebAssembly for the
# notebook): the player that a self-contained HTML export carries, and the notebook widget's module.
BUNDLES := static/vendor/player.js app/notebook/bundle.js
ESBUILD := node_modules/.bin/esbuild --bundle --format=esm --minify --legal-comments=eof --log-level=warning \
	--loader:.css=text

.PHONY: run test lint bench notebook install install-run vendor lock system-run system-test system-bench system-venv apt-install clean

run: install-run vendor system-run
	BACKPROP_HOST=$(HOST) BACKPROP_PORT=$(PORT) $(BIN)/python -m app

test: install vendor system-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	npm run --silent lint:js
	npm run --silent test:js
	$(BIN)/python -m pytest

lint: install vendor
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	npm run --silent lint:js

bench: install vendor system-bench
	$(BIN)/python -m bench

# The notebook widget in this checkout's venv: its front end built, and the package with its `notebook`
# extra (anywidget), so that `from app.notebook import show` works in a kernel started from .venv.
notebook: install-run vendor
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[notebook]'

install: $(DEPS)

install-run: $(RUN_DEPS)

vendor: $(VENDOR) $(BUNDLES)

# Front-end libraries from the npm registry (package.json + lockfile), copied with their licences
# into the git-ignored static/vendor/, which the pages load from our own origin: no CDN.
$(VENDOR): package.json package-lock.json
	@command -v npm >/dev/null || $(MAKE) --no-print-directory apt-install NEED="nodejs npm"
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf static/vendor && mkdir -p static/vendor/katex static/vendor/panzoom static/vendor/swagger-ui
	cp -r node_modules/katex/dist/katex.mjs node_modules/katex/dist/katex.min.css \
		node_modules/katex/dist/fonts node_modules/katex/LICENSE static/vendor/katex/
	cp node_modules/@panzoom/panzoom/dist/panzoom.es.js node_modules/@panzoom/panzoom/MIT-License.txt \
		static/vendor/panzoom/
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
		node_modules/swagger-ui-dist/LICENSE node_modules/swagger-ui-dist/NOTICE static/vendor/swagger-ui/
	# Observable Plot (the network page's charts and the lab's loss curve) as one ES module with its d3 parts.
	mkdir -p static/vendor/plot
	$(ESBUILD) --outfile=static/vendor/plot/plot.js node_modules/@observablehq/plot/src/index.js
	cp node_modules/@observablehq/plot/LICENSE static/vendor/plot/
	for d in node_modules/d3-*/; do cp $$d/LICENSE static/vendor/plot/LICENSE-$$(basename $$d); done
	touch $@

static/vendor/player.js: static/js/player.js $(wildcard static/js/*.js) $(VENDOR)
	$(ESBUILD) --outfile=$@ static/js/player.js

app/notebook/bundle.js: static/js/widget.js $(wildcard static/js/*.js) $(wildcard static/css/*.css) $(VENDOR)
	$(ESBUILD) --outfile=$@ static/js/widget.js

# Python packages at the versions the lock files pin: requirements.lock for running the app,
# requirements-dev.lock for the tests too (`make lock` writes both from pyproject.toml).
$(RUN_DEPS): requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(DEPS): requirements-dev.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@ $(RUN_DEPS)

$(BIN)/python:
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || $(MAKE) --no-print-directory apt-install NEED=python3-venv
	$(PYTHON) -m venv $(VENV)

lock: install
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --extra dev \
		-o requirements-dev.lock pyproject.toml
	sed -i 's/^atheris==\(.*\)$$/atheris==\1 ; platform_machine == "x86_64" and python_version < "3.13"/' \
		requirements-dev.lock

# Debian packages: Graphviz's `dot` lays graphs out; Chromium runs the browser tests; PostgreSQL and
# Redis serve the tests of the several-servers deployment.
system-run:
	@$(MAKE) --no-print-directory apt-install NEED="$$(command -v dot >/dev/null || echo graphviz)"

# The tests also start their own PostgreSQL and Redis (Debian's servers, on loopback, in a temporary folder).
system-test:
	@$(MAKE) --no-print-directory apt-install NEED="$$(command -v dot >/dev/null || echo graphviz) \
		$$(test -x /usr/bin/chromium || echo chromium) \
		$$(ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || echo postgresql) \
		$$(command -v redis-server >/dev/null || echo redis-server)"

system-bench:
	@$(MAKE) --no-print-directory apt-install NEED="$$(command -v dot >/dev/null || echo graphviz) \
		$$(test -x /usr/bin/chromium || echo chromium) $$(command -v wrk >/dev/null || echo wrk) \
		$$(ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || echo postgresql) \
		$$(command -v redis-server >/dev/null || echo redis-server)"

apt-install:
	@need="$$(echo $(NEED))"; [ -z "$$need" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo=sudo; \
	else echo "Please install these Debian packages: $$need" >&2; exit 1; fi; \
	echo "Installing Debian packages: $$need"; \
	$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$need

clean:
	rm -rf $(VENV) node_modules static/vendor $(BUNDLES) .pytest_cache .ruff_cache .hypothesis
