#!/usr/bin/env node
// payterm's reference integration in Node.js: a point of sale that follows every conformance
// rule (spec/conformance.md) on all three surfaces — the GP tom Cloud API, GP tom deep links
// and the HyPe Initiator — talking to the harness only through the driver contract
// (spec/driver.md): environment, orders on stdin, events on stdout, HTTP on loopback and the
// `aelucrative-hype-initiator` program. Standard library only. See README.md beside it.
//
// Usage: node main.js [--mistake NAME | --mistake list]
'use strict';

const mistake = require('./mistakes');

mistake.choose(process.argv.slice(2));

const { serve } = require('./dispatch');
const { log } = require('./events');

// Every order's flow catches its own errors (dispatch.runOrder); a promise dropped by mistake
// must not take the other orders down with the process.
process.on('unhandledRejection', (e) => log('pos', `internal error (unhandled): ${e?.stack ?? e}`));

serve().then(() => process.exit(0));
