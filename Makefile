# The two commands in the README: `make shell` and `make test`.
BUILD_DIR ?= build
JOBS ?= 2
DATA ?= ./fqldb-data
BUILD_TYPE ?= RelWithDebInfo

.PHONY: deps configure build shell test bench clean

deps:
	@scripts/install-deps.sh

configure: deps
	@test -f $(BUILD_DIR)/CMakeCache.txt || cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

shell: build
	$(BUILD_DIR)/bin/fqldb shell --data $(DATA)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(JOBS)

bench: build
	$(BUILD_DIR)/bin/fql_bench_language
	$(BUILD_DIR)/bin/fql_bench_storage
	$(BUILD_DIR)/bin/fql_bench_doc_codec
	$(BUILD_DIR)/bin/fql_bench_jit
	$(BUILD_DIR)/bin/fql_bench_scan

clean:
	rm -rf $(BUILD_DIR)
