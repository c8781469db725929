//! The HyPe Initiator: the signed service, the virtual customer and the drop-in client,
//! through the real `payterm` binary against an in-process mock cloud (seed 7, paused clock)
//! or a spawned `payterm serve`.

// A sandbox per test (config, key files), the binary with stdin, a served emulator.
mod harness;
// keygen → enroll → invoice → the customer → status, for every final status; the shim; the README walkthrough.
mod round_trip;
// Every fault arising by itself: bad_signature, user_disabled, resource_not_found.
mod faults;
// What no retry fixes: refused documents (exit 7), unknown stores, users outside the operator group.
mod refusals;
// Bad input and a bad service: exit codes, messages, and never JSON on stdout.
mod bad_input;
// The customer's and the administrator's control routes, and the gateway URI.
mod customer;
// Pinned shapes of every status, fault and the invoice answer.
mod snapshots;
