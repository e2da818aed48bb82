# The two commands a newcomer needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash

.PHONY: deps build run demo test bench clean

deps:
	@scripts/deps.sh

build: deps
	swift build

run: deps
	scripts/run-local.sh

demo: build
	scripts/demo.sh

test: deps
	scripts/test.sh

bench: deps
	bench/run.sh

clean:
	rm -rf .build .stack
