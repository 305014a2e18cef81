# The two commands of the README, and a few more. Everything goes through CMake + Ninja.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: deps configure build run test test-unit package clean

deps:
	bash packaging/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Set up, build and launch Elastic Chat.
run: build
	$(BUILD_DIR)/ui/elastic-chat

# Set up, build and run the whole test suite (GUI tests run offscreen).
test: build
	cd $(BUILD_DIR) && QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j $(JOBS)

package: build
	cmake --build $(BUILD_DIR) --target package

clean:
	rm -rf $(BUILD_DIR)
