# hangdoi: the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
INSTANCE ?= instance
# The address phones and other machines reach the server at (QR codes, printed links).
PUBLIC_URL ?= http://$(HOST):$(PORT)
# Debian packages the product and its tests need: a font with every Vietnamese glyph
# (slips), libusb for USB printers, and the libraries Qt's offscreen platform loads.
SYSTEM_PACKAGES ?= fonts-dejavu-core libusb-1.0-0 libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0
# espeak-ng: the default voice pack and what a pack lacks (hangdoi-server prepare-voice).
SYSTEM_PACKAGES += espeak-ng
# Qt's xcb platform plugin: the desktop apps on a real X11 screen (the kiosk full screen).
SYSTEM_PACKAGES += libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libx11-xcb1
# Node.js and npm fetch the web pages' JavaScript at install time; installed from Debian
# only when no npm is on the PATH (NodeSource's nodejs ships its own npm).
NODE_PACKAGES ?= nodejs npm
TEST_SYSTEM_PACKAGES ?= $(SYSTEM_PACKAGES) chromium nginx openssl
# The desktop apps on an X11 desktop: the XCB libraries Qt's xcb platform plugin loads
# (ldd PyQt6/Qt6/plugins/platforms/libqxcb.so); Xvfb for the tests that need a real X server.
SYSTEM_PACKAGES += libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libx11-xcb1 libxcb-render0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxcb-util1
TEST_SYSTEM_PACKAGES += xvfb
# The counter client's global hotkeys: pynput needs evdev on Linux, which PyPI has only as
# source, compiled at install time against the kernel's input headers.
SYSTEM_PACKAGES += gcc libc6-dev linux-libc-dev python3-dev
# Reports: pdftotext and pdftoppm read the monthly PDF back.
TEST_SYSTEM_PACKAGES += poppler-utils

# Exact versions of every Python package make run and make test install (make lock).
CONSTRAINTS := requirements/constraints.txt

.PHONY: run test venv system-deps test-system-deps lint lock bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel

# Reinstall only when the package metadata or the locked versions change.
$(VENV)/.installed-run: setup.cfg pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[qt]'
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[qt,test,bench]'
	touch $@ $(VENV)/.installed-run

# Lock file: resolve setup.cfg with the extras that make run, make test and a production
# install use (qt, test, bench, production) into exact versions. Versions already in the
# file are kept while setup.cfg allows them; PIP_COMPILE_ARGS=--upgrade takes the newest.
lock: | $(BIN)/python
	$(BIN)/pip install --quiet 'pip-tools>=7.4'
	@mkdir -p $(dir $(CONSTRAINTS))
	CUSTOM_COMPILE_COMMAND='make lock' $(BIN)/pip-compile --quiet --strip-extras \
		--no-emit-index-url --no-emit-find-links --extra qt --extra test --extra bench --extra production \
		--output-file $(CONSTRAINTS) $(PIP_COMPILE_ARGS) setup.cfg

venv: $(VENV)/.installed-run

system-deps:
	@PACKAGES="$(SYSTEM_PACKAGES)" sh scripts/install-system-packages.sh
	@command -v npm >/dev/null 2>&1 || PACKAGES="$(NODE_PACKAGES)" sh scripts/install-system-packages.sh

test-system-deps:
	@PACKAGES="$(TEST_SYSTEM_PACKAGES)" sh scripts/install-system-packages.sh
	@command -v npm >/dev/null 2>&1 || PACKAGES="$(NODE_PACKAGES)" sh scripts/install-system-packages.sh

run: system-deps $(VENV)/.installed-run web-deps
	@mkdir -p $(INSTANCE)
	HANGDOI_PUBLIC_URL=$(PUBLIC_URL) $(BIN)/hangdoi-server --instance $(INSTANCE) prepare-demo
	HANGDOI_PUBLIC_URL=$(PUBLIC_URL) $(BIN)/hangdoi-server --instance $(INSTANCE) serve --host $(HOST) --port $(PORT)

# The static checks: lint, formatting, types (config in setup.cfg [mypy]) and the import
# rules of the architecture (.importlinter). `make test` runs them before the tests.
define lint-commands
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
endef

test: test-system-deps $(VENV)/.installed-test web-deps
	$(lint-commands)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The web pages' JavaScript (socket.io-client) from the npm registry into web/node_modules,
# again whenever web/package-lock.json changes.
.PHONY: web-deps
web-deps:
	@if [ ! -d web/node_modules/socket.io-client ] || [ web/package-lock.json -nt web/node_modules/socket.io-client ]; then \
		npm ci --prefix web --no-audit --no-fund; fi

# A short run of each benchmark (the numbers are printed; nothing is asserted).
bench: $(VENV)/.installed-test web-deps
	$(BIN)/python bench/issue.py --smoke
	$(BIN)/python bench/call_next.py --smoke
	$(BIN)/python bench/call_latency.py --smoke
	$(BIN)/python bench/print.py --iterations 3

lint: $(VENV)/.installed-test
	$(lint-commands)

clean:
	rm -rf $(VENV) $(INSTANCE) tests/output .pytest_cache .mypy_cache .import_linter_cache .grimp_cache
