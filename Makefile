# gosgate: `make test` and `make demo` each install what is missing, build, and run.
SWIFT ?= swift

.PHONY: deps build test demo bench release deb image check-deb check-units

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

# Every test: unit, interop with the openssl CLI/curl/pcscd/opensc, end to end through the stand,
# then systemd's own checks of the unit files.
# `--build-tests` also builds every executable; a separate plain build would compile everything twice.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel
	scripts/check-units --quiet

demo: build
	@scripts/demo.sh

release: deps
	$(SWIFT) build -c release

# Every benchmark against its named peer (openssl, opensc-tool, nginx), with ratios; scripts/bench says which.
bench:
	SWIFT=$(SWIFT) scripts/bench

deb: deps
	scripts/build-deb

# What CI runs after `make test`: build the package, install it into a fresh Debian 12 root and
# check it there (scripts/check-deb), then validate the appliance image configuration.
check-deb: deb
	scripts/check-deb
	scripts/check-image

image: deb
	image/build --force
