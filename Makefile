# The two commands a newcomer needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash

.PHONY: deps build run test clean

deps:
	@scripts/deps.sh

build: deps
	swift build

run: deps
	swift run recording-api

test: deps
	scripts/test.sh

clean:
	rm -rf .build .stack
