//! payterm's integration tests: one binary, one module per area, everything through the real
//! interfaces (HTTP on loopback, the real `payterm` binary, real files).

#![expect(clippy::unwrap_used, reason = "a test helper that meets an unexpected answer should fail loudly")]

// Shared helpers: a started mock cloud, an HTTP client, tokens.
mod support;

// The layers of CONVENTIONS.md: no module uses one of a higher layer; no cycle within a layer.
mod layers;

// OAuth: the documented credentials, wrong ones, expiry on the virtual clock, refresh, master tokens.
mod cloud_auth;
// Task endpoints: create, poll, list, withdraw; every 400/404/409/422 the spec names.
mod cloud_tasks;
// Results after a task completed: transactions, batches, batch arithmetic.
mod cloud_results;
// The Cloud API as the vendor documents it: master accounts name the TID on every call; the SDK's batch fields.
mod cloud_fidelity;
// The server under bad input: malformed JSON, oversized bodies and headers, unknown routes, concurrency.
mod server_robustness;
// The Cloud port against web pages: foreign Host names and cross-site browser requests refused.
mod cloud_guard;
// The control API: operator actions, card outcomes, clock, reset, ledger, journal.
mod control_api;
// The `payterm` binary: serve, demo, openapi, spec, exit codes.
mod cli;
// GP tom deep links: every operation, the redirect, hostile links, `payterm link`.
mod app2app;
// Deep links as a real app meets them: the app's terminal, the receipt hand-over, a close the host refuses.
mod app2app_fidelity;
// The HyPe Initiator: signing, every status and fault, the customer, the drop-in client.
mod initiator;
// Scenario files: the built-in suite validates; broken files get diagnostics that point into them.
mod scenario_files;
// The built-in suite's coverage: every rule, status, fault, task state, mode and refusal; the README table.
mod suite_coverage;
// The script engine: scripted statuses, task states, faults and timed actions over HTTP.
mod script_engine;
// Transport faults (reset, truncate, hang, malformed JSON, drip) seen by a real client.
mod wire_faults;
// The runner: events read, crashes and hangs recorded, process groups killed, the shim at work.
mod runner;
// `payterm run`'s options: manifest skips, filters, partitions, --list, --fail-fast, --rerun-failed.
mod run_options;
// Interrupting a run: SIGINT/SIGTERM end the integrations and write what finished; kill -9 too.
mod interrupt;
// Service mode: orders POSTed to a running integration, events on /_payterm/events.
mod service_mode;
// The judge: each planted mistake of the reference caught by its target rule alone, the reference by none.
mod judge;
// Inconclusive is not a pass: a targeted rule never exercised fails the run, unless known.
mod inconclusive;
// Every scenario's "Caught:" claims: each names a planted mistake, which fails the claimed rule there and nothing else.
mod claims;
// Every cheat of the reference (forged stamps, the control API, floods) fails its run, named; a cheat certifies nothing.
mod cheats;
// The Node.js reference: passes the built-in suite; its planted mistakes are caught as the claims that name them say.
mod reference_node;
// `payterm explore`: same seed, same scenarios; a planted bug found from a seed and shrunk; no false alarm.
mod explore;
// Certification: profiles, signed certificates, verification naming what was altered.
mod certify;
// `certificate verify` against a catalogue of tampered certificates, each caught and named.
mod certificate_tampering;
// Pinned answer shapes (insta snapshots in snapshots/).
mod answer_snapshots;
// Provenance: every route, field, status, fault and exit code of the three surfaces labelled in `payterm spec`.
mod provenance;
// The JUnit and HTML reports: parseable XML with the right counts, escaped self-contained HTML.
mod reports;
// Text from outside through the binary: one escaping policy for every output; reproduce lines that run.
mod untrusted_text;
// Where reports are written: symbolic links kept, FIFOs and /dev/stdout written in place, never replaced.
mod report_paths;
// The built-in suite against the reference integration, its stable transcripts pinned (snapshots/suite/).
mod suite_snapshots;
// The dashboard: embedded assets, its views, the live stream (bounded), the sequence diagram, a real browser.
mod dashboard;
// Property tests: the scenario, deep-link, Cloud JSON and initiator-stdin parsers never panic; printed inputs read back.
mod properties;
// Hostile clients: slowloris heads, trickling bodies, bytes that are not UTF-8, deep JSON, idle connections.
mod hostile_clients;
// Load with faults: concurrent clients, reset and abandoned requests; nothing lost or doubled, the ledger balances.
mod load_and_fault;
// Many orders at once: 100 sales on 10 terminals pass; a planted duplicate caught on exactly its orders; a non-reader killed.
mod scale_run;
// The book: links and anchors resolve, every page listed, the rules page generated, `payterm docs` = the pages.
mod docs_book;
// Every ```console block of the book run through the real binary, its output and exit code as shown.
mod docs_console;
// `make test` without cargo-nextest: it installs it, or falls back to cargo test.
mod make_test;
