# The two commands that matter:
#   make up    set up, build and run the whole platform on this machine
#   make test  set up, build and run every test
# Everything else here is a convenience for developers.

.PHONY: up test setup setup-test build-release build-dev asan bench clean

JOBS ?= $(shell nproc)
# Relative paths in ccache keys, so a fresh clone elsewhere reuses this machine's cache.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

up: setup build-release
	./build/release/marketswarm up

test: setup-test build-dev
	ctest --preset dev --output-on-failure
	@echo "make test: all suites passed"

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh --test

build-release:
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

build-dev:
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)

asan: setup-test
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan --output-on-failure

bench: setup
	cmake --preset bench >/dev/null
	cmake --build --preset bench -j $(JOBS)
	@echo "benchmarks built under build/bench/bench; see bench/README.md"

clean:
	rm -rf build
