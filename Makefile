# payterm — `make help` lists the targets. `make ci` is exactly what CI runs.

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: help build test lint fmt fmt-check doc docs docs-gen dist dist-test ci bench demo suite run flake timing stress snapshots schemathesis openapi-lint fuzz fuzz-smoke

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

build: ## build the payterm binary (debug)
	$(CARGO) build --locked

test: ## run every test: unit, integration (through HTTP and the real binary) and doc tests (installs cargo-nextest if missing; falls back to cargo test)
	CARGO="$(CARGO)" scripts/test.sh

lint: ## clippy on every target, warnings denied; the fuzz targets must still compile against the library
	$(CARGO) clippy --locked --all-targets --all-features -- -D warnings
	$(CARGO) check --locked --quiet --manifest-path fuzz/Cargo.toml --bins

fmt: ## format the code
	$(CARGO) fmt

fmt-check: ## check formatting
	$(CARGO) fmt --check

doc: ## build the API docs, warnings denied
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --locked --no-deps

# mdBook, pinned; built without its server, watcher and search (a minute to compile, not five).
MDBOOK_VERSION := 0.5.4
MDBOOK := target/tools/bin/mdbook
# (a pinned mdbook already on PATH is used as it is)

docs: ## the user guide: the book in docs/ built with mdBook into target/book (installs mdBook under target/tools); its links and commands are checked by make test (tests/docs_book.rs, tests/docs_console.rs)
	@mdbook=$$(command -v mdbook || true); \
	if ! "$${mdbook:-false}" --version 2>/dev/null | grep -q 'v$(MDBOOK_VERSION)$$'; then \
		mdbook=$(MDBOOK); \
		"$$mdbook" --version 2>/dev/null | grep -q 'v$(MDBOOK_VERSION)$$' || \
			$(CARGO) install --locked --quiet mdbook --version $(MDBOOK_VERSION) --no-default-features --root target/tools; \
	fi; \
	echo "$$mdbook build docs"; "$$mdbook" build docs
	@test -f target/book/index.html && echo "docs: target/book/index.html"

docs-gen: ## regenerate the book's generated page (docs/src/rules.md) from the rule table and the built-in suite
	$(CARGO) run --locked --quiet -- rules --format markdown > docs/src/rules.md

dist: ## the Python wheel (maturin) and the npm packages, from one release build, in target/dist (pip-installs maturin under target/tools)
	CARGO="$(CARGO)" scripts/dist.sh

dist-test: dist ## install the built wheel into a fresh virtualenv and the npm tarballs into a fresh npm project, offline; run the built-in suite and each helper's example test
	scripts/dist-test.sh

demo: ## walk a sale, a decline, a void and a close batch through the Cloud API, printing each exchange
	$(CARGO) run --locked --quiet -- demo

run: ## the main job: the built-in suite against the built-in reference integration, judged
	$(CARGO) run --locked --release --quiet -- run

suite: ## the same, on a debug build, two scenarios at a time (for a shared machine; CI runs the suite in dist-test, from the packages)
	$(CARGO) run --locked --quiet -- run --jobs 2

bench: ## measure payterm against bare hyper, wiremock-rs, WireMock (Java) and Mockoon: throughput, latency, startup, memory, a soak (installs the peers under target/; figures in target/bench/results.json)
	scripts/bench-peers.sh
	$(CARGO) bench --locked --bench load

flake: ## run the built-in suite 20 times (FLAKE_RUNS); list scenarios whose verdicts or stable transcripts differ
	$(CARGO) bench --locked --bench flake

timing: ## the proof that RATE-NO-STORM judges the integration's own waits: beside a busy loop, 20 runs of a constant backoff (never flagged) and of retries at half the Retry-After (always caught); TIMING_RUNS
	$(CARGO) bench --locked --bench timing

stress: ## no false alarm under load: beside busy loops on twice the cores, the suite 20 times (STRESS_RUNS) against the Python, Rust and Node.js references (STRESS_JOBS; STRESS_ONLY=python,rust,node,mistakes,cheats), then every claimed mistake and cheat still caught; figures in target/bench/stress.json
	$(CARGO) build --locked --example reference_rust
	$(CARGO) bench --locked --bench stress

snapshots: ## only the test that pins the stable part of every built-in scenario's run against the reference (insta, snapshots/suite/; also in make test)
	$(CARGO) nextest run --locked -E 'test(suite_snapshots::)'

schemathesis: ## fuzz the Cloud API against its own /openapi.json (pinned schemathesis, fixed seed; pip-installs it)
	CARGO="$(CARGO)" scripts/schemathesis.sh

openapi-lint: ## @redocly/cli lint (pinned, npm-installed under target/) of the served /openapi.json, recommended rules, warnings as errors
	CARGO="$(CARGO)" scripts/redocly.sh

fuzz: ## fuzz every parser (scenario, deep link, Cloud JSON, initiator stdin), FUZZ_SECS each (default 300); installs cargo-fuzz
	FUZZ_SECS=$(or $(FUZZ_SECS),300) CARGO="$(CARGO)" scripts/fuzz.sh

fuzz-smoke: ## what CI runs: 200,000 inputs a target from seed 1 (FUZZ_RUNS, FUZZ_SEED), the same inputs on every machine
	FUZZ_RUNS=$(or $(FUZZ_RUNS),200000) FUZZ_SEED=$(or $(FUZZ_SEED),1) CARGO="$(CARGO)" scripts/fuzz.sh

# Mutants judged equivalent (docs/src/robustness.md, "Mutation testing of the judge"): a ledger movement at the outcome's own
# moment, a Debug impl that decides nothing, and three same-millisecond orderings the spec leaves open.
MUTANTS_EQUIVALENT := --exclude-re 'replace > with >= in truthful$$' \
	--exclude-re 'Debug for Rule>::fmt' \
	--exclude-re 'statuses\.rs:.*replace > with >= in in_process_one$$'

mutants: ## mutation testing of the judge: cargo-mutants over emulator/judge/** against its unit tests, fails on a survivor (installs cargo-mutants; MUTANTS_JOBS, MUTANTS_ARGS, MUTANTS_OUT; report in target/mutants/mutants.out)
	@$(CARGO) mutants --version 2>/dev/null | grep -q ' 27\.1\.0' || $(CARGO) install --locked cargo-mutants --version 27.1.0
	CARGO_PROFILE_DEV_DEBUG=0 $(CARGO) mutants --file 'emulator/judge/**' \
		--exclude 'emulator/judge/synth.rs' --exclude 'emulator/judge/tests/**' $(MUTANTS_EQUIVALENT) \
		--test-tool cargo --cargo-arg=--lib --jobs $(or $(MUTANTS_JOBS),2) --timeout 120 --build-timeout 1800 \
		--output $(or $(MUTANTS_OUT),target/mutants) --no-shuffle $(MUTANTS_ARGS) -- -- judge::

ci: fmt-check lint test doc docs demo dist-test schemathesis openapi-lint fuzz-smoke ## what CI runs (the built-in suite runs in dist-test, twice: from the installed wheel and from the npm package)
