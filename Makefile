# postvakt — see README.md.
.PHONY: run test bench chaos build vet fmt clean

GO ?= go
# The checkout's root, so that `make -f /path/to/Makefile run` works from anywhere
# (./ for `make run` in it): relative, not absolute, and quoted in the recipes, for
# a checkout named "postvakt (2)" (make splits an absolute path at its spaces).
ROOT := $(dir $(lastword $(MAKEFILE_LIST)))

## run: private PostgreSQL in .data/, demo data, postvakt on 127.0.0.1:8080
run:
	@bash '$(ROOT)scripts/run.sh'

## test: gofmt + vet + every test (race detector) on a throwaway PostgreSQL
test:
	@bash '$(ROOT)scripts/test.sh'

## bench: every SPEC.md target measured beside its anchor; one table, also in bench/results.md
## (make bench ARGS=--quick, or BENCH_QUICK=1, runs at a tenth of the size)
bench:
	@bash '$(ROOT)scripts/bench.sh' $(ARGS)

## chaos: serve SIGKILLed at random 100 times against the simulator; fails on a duplicate or a loss
chaos:
	@bash '$(ROOT)scripts/chaos.sh' $(ARGS)

## build: bin/postvakt (BIN=path for another), its version stamped from git describe (scripts/build.sh),
## or VERSION=v1.4.0 given on the command line (a source archive has no git to ask)
build:
	@GO=$(GO) bash scripts/build.sh $(or $(BIN),bin/postvakt) $(if $(filter command line,$(origin VERSION)),'$(VERSION)')

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	-scripts/pg.sh stop .data/pg
	if [ -f .data/pg/elsewhere ]; then rm -rf "$$(cat .data/pg/elsewhere)"; fi
	rm -rf .data bin
