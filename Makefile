# Accord — run `make help` for the targets.
GO      ?= go
TAGS    := duckdb_arrow
BIN     := bin/accord
CONFIG  ?= config/accord.example.yaml
DEMO    := data/demo
ECHARTS := reports/assets/echarts.min.js
export CGO_ENABLED := 1

.DEFAULT_GOAL := help
.PHONY: help build run demo test test-deps lint bench bench-deps clean screenshot

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(ECHARTS):
	sh reports/assets/fetch.sh

build: $(ECHARTS) ## build bin/accord (needs Go, a C compiler, and npm for the ECharts script)
	$(GO) build -tags $(TAGS) -o $(BIN) ./cmd/accord

demo: build ## write demo exports to data/demo (replacing them)
	rm -rf $(DEMO)
	$(BIN) demo --out $(DEMO)

run: build ## build, make demo data if there is none, run the weekly job on it, print the report folder
	@test -d $(DEMO) || $(BIN) demo --out $(DEMO)
	$(BIN) run --config $(CONFIG)

screenshot: build ## regenerate docs/screenshot-top.png: the top of the demo's weekly.html at 1400x900 (needs Chromium)
	@test -d $(DEMO) || $(BIN) demo --out $(DEMO)
	dir=$$($(BIN) run --config $(CONFIG) | sed -n 's/^reports: //p' | tail -1); \
	ACCORD_WRITE_SCREENSHOT=1 ACCORD_SCREENSHOT_PAGE="$$dir/weekly.html" $(GO) test -tags $(TAGS) ./reports -run '^TestWriteReadmeScreenshot$$' -count=1 -v | grep -E 'wrote|FAIL|ok'

MAILPIT_VERSION := v1.33.1
MAILPIT := .cache/bin/mailpit

test-deps: ## install what the tests drive: headless Chromium, a CJK font (Debian; needs root) and mailpit (Go module proxy)
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	  test -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc || missing="$$missing fonts-noto-cjk"; \
	  if [ -n "$$missing" ]; then if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "install$$missing (apt-get, as root) for the tests" >&2; fi; fi
	@$(GO) version -m $(MAILPIT) 2>/dev/null | grep -q "axllent/mailpit[[:space:]]*$(MAILPIT_VERSION)" || \
	  GOBIN=$(CURDIR)/.cache/bin CGO_ENABLED=0 GOFLAGS=-buildvcs=false $(GO) install github.com/axllent/mailpit@$(MAILPIT_VERSION)

test: $(ECHARTS) test-deps ## run the whole test suite
	$(GO) test -tags $(TAGS) -count=1 -timeout 30m ./...

lint: $(ECHARTS) ## gofmt and go vet must be clean
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt: $$out"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...

bench-deps: ## install the pandas baseline of the weekly benchmark (Debian python3-pandas, python3-openpyxl; needs root)
	@/usr/bin/python3 -c "import pandas, openpyxl" 2>/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pandas python3-openpyxl >/dev/null; \
	  else echo "install python3-pandas python3-openpyxl (apt-get, as root) for the pandas baseline" >&2; fi; }

bench: $(ECHARTS) bench-deps ## run the benchmarks; the weekly run on demo sets S and M (ACCORD_BENCH_SIZE=S,M,L for a million customers too)
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem -timeout 120m ./...

clean: ## remove the binary, demo data, database and reports
	rm -rf bin data
