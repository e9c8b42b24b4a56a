# recipe-rag — the two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

LISTEN ?= 127.0.0.1:8080
BIN := build/release/recipe-rag
INDEX := var/index
TOKEN := var/dev-token
# ccache keys on paths relative to the checkout, so a fresh clone reuses earlier builds.
export CCACHE_BASEDIR := $(CURDIR)

SOURCES = $(shell git ls-files 'src/*.h' 'src/*.cc' 'tests/*.h' 'tests/*.cc' 2>/dev/null || find src tests -name '*.h' -o -name '*.cc')

.PHONY: help setup build run test test-release test-asan bench fmt lint clean

help:
	@echo "make run     install, build, index the bundled corpus and serve on $(LISTEN)"
	@echo "make test    install, build and run the whole suite (release, then ASan/UBSan)"
	@echo "make build   release build only ($(BIN))"
	@echo "make bench   load benchmark against the Python peer (bench/README.md)"
	@echo "make fmt     clang-format the sources;  make lint  format check + clang-tidy"

setup:
	@scripts/setup

build: setup
	@cmake --preset release >/dev/null
	@cmake --build --preset release

# Rebuilt whenever the binary, corpus, lexicon or defaults change (a few seconds), so an index
# from an older build never meets a newer server.
$(INDEX)/manifest.json: $(BIN) data/recipes/recipe_data.json data/lexicon/lexicon.tsv config/recipe-rag.toml | build
	@$(BIN) index build --corpus data/recipes/recipe_data.json --out $(INDEX)

$(TOKEN): | build
	@mkdir -p var
	@umask 077 && $(BIN) token new | awk '/^token:/ {print $$2}' > $(TOKEN).tmp && mv $(TOKEN).tmp $(TOKEN)
	@echo "created $(TOKEN) (mode 0600)"

run: build $(INDEX)/manifest.json $(TOKEN)
	@echo
	@echo "recipe-rag serves on http://$(LISTEN)   (Ctrl-C stops it)"
	@echo "API token: $$(cat $(TOKEN))   (kept in $(TOKEN))"
	@echo "Try:"
	@echo "  curl -s $(LISTEN)/v1/tools/call -H \"Authorization: Bearer \$$(cat $(TOKEN))\" -H 'Content-Type: application/json' -d '{\"function\":\"search_corpus\",\"arguments\":{\"query\":\"vegetarian pasta recipes\",\"top_k\":3}}'"
	@echo
	@exec $(BIN) serve --env dev --listen $(LISTEN) --index $(INDEX)

test: test-release test-asan

test-release: setup
	@cmake --preset release >/dev/null
	@cmake --build --preset release
	@ctest --preset release

test-asan: setup
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan
	@ctest --preset asan

bench:
	@bench/search.sh

fmt:
	@clang-format -i $(SOURCES)

lint: setup
	@clang-format --dry-run --Werror $(SOURCES)
	@cmake --preset debug >/dev/null
	@run-clang-tidy -quiet -p build/debug 'src/.*\.cc$$' 2>/dev/null | grep -E 'warning:|error:' && exit 1 || echo "clang-tidy: clean"

clean:
	rm -rf build
