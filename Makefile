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

# What CI runs after `make test`: build the package, install it into a fresh Debian 12 root, check
# it there and run it under systemd in that root (scripts/check-deb --boot, ~30 s with the root
# cached), then validate the appliance image configuration (mkosi summary).
check-deb: deb
	scripts/check-deb --boot
	scripts/check-image

image: deb
	image/build --force
