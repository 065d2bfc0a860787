# gosgate: `make test` and `make demo` each install what is missing, build, and run.
SWIFT ?= swift

.PHONY: deps build test demo bench release clean-rig

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

test: build
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

demo: build
	@scripts/demo.sh

release: deps
	$(SWIFT) build -c release

bench: release
	@scripts/bench
