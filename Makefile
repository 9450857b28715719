# make run    the whole chain locally (embedded store, in-process bus, outbox)
# make test   every test: unit, contract suites and end-to-end on the embedded
#             adapters AND on DynamoDB Local + aws-ses-v2-local (installed and
#             started here), the CDK assertions and an offline `cdk synth`
# make build  the Lambda bootstraps (linux/arm64, stripped) with their sizes
GO        ?= go
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION = 20
export CDK_DISABLE_CLI_TELEMETRY = true
export CDK_DISABLE_VERSION_CHECK = true
export npm_config_update_notifier = false

.PHONY: run test build host-build vet unit integration benchmarks race fuzz synth clean

run:
	$(GO) run ./cmd/mayday local

test: node_modules vet build integration benchmarks fuzz synth

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

# Tests that need no services: quick feedback while editing.
unit:
	$(GO) test ./...

# Every test, with the local stand-ins up. MAYDAY_REQUIRE_INTEGRATION turns a
# skipped integration suite into a failure. The as-deployed test (infra) runs
# the bootstraps built for this machine under aws-lambda-rie.
integration: build host-build
	MAYDAY_REQUIRE_INTEGRATION=1 MAYDAY_HOST_BOOTSTRAPS=$(CURDIR)/build/host scripts/services.sh run $(GO) test -count=1 ./...

# Each benchmark once: a benchmark whose fixture the code outgrew fails
# here, not when someone measures.
benchmarks:
	$(GO) test -run='^$$' -bench=. -benchtime=1x ./shared/bench ./shared/inmem > /tmp/mayday-bench.log 2>&1 || { cat /tmp/mayday-bench.log; exit 1; }

# The race detector over everything but the CDK app (slow to instrument).
race:
	MAYDAY_REQUIRE_INTEGRATION=1 scripts/services.sh run $(GO) test -race -count=1 ./shared/... ./cmd/...

# Each fuzz target briefly, from its seed corpus in the package's testdata/fuzz.
FUZZ := shared/mayday:FuzzNormaliseDialed shared/mayday:FuzzClassify shared/mayday:FuzzParseContacts \
        shared/mayday:FuzzValidID shared/mayday:FuzzValidText \
        shared/webhooksecret:FuzzVerify shared/httpapi:FuzzCallWebhook shared/emailtemplate:FuzzTemplateData \
        shared/httpapi:FuzzTwilioWebhook
# A count, not a duration: Go 1.26's fuzz coordinator can report its own
# deadline as a failure ("context deadline exceeded", no crasher) when a
# duration runs out; Go 1.27 fixes it. 20000 runs take a few seconds each;
# minimising a new input (the 64 KiB body seeds) is bounded by runs too.
FUZZTIME ?= 20000x
FUZZMINIMIZE ?= 500x
fuzz:
	@for t in $(FUZZ); do \
	  echo "fuzz $${t#*:} ($(FUZZTIME))"; \
	  $(GO) test -run='^$$' -fuzz="^$${t#*:}$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINIMIZE) ./$${t%%:*} > /tmp/mayday-fuzz.log 2>&1 || { cat /tmp/mayday-fuzz.log; exit 1; }; \
	done

build:
	@GO='$(GO)' scripts/build-functions.sh build

host-build:
	@GO='$(GO)' scripts/build-functions.sh -host build/host > /dev/null

# The CDK CLI ships Go init templates; a go.mod keeps them out of ./...
node_modules: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	@echo 'module ignore' > node_modules/go.mod
	@touch node_modules

synth: build node_modules
	npx cdk synth --no-notices -q > /dev/null
	@echo "cdk synth: ok ($$(ls cdk.out/*.template.json))"

clean:
	rm -rf build cdk.out
