# postvakt — see README.md.
.PHONY: run test bench build vet fmt clean

GO ?= go

## run: private PostgreSQL in .data/, demo data, postvakt on 127.0.0.1:8080
run:
	@bash scripts/run.sh

## test: gofmt + vet + every test (race detector) on a throwaway PostgreSQL
test:
	@bash scripts/test.sh

## bench: Go benchmarks and the load tool; prints figures (SPEC.md targets)
bench:
	@bash scripts/bench.sh

build:
	$(GO) build -o bin/postvakt ./cmd/postvakt

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	-scripts/pg.sh stop .data/pg
	rm -rf .data bin
