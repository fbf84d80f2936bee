#!/usr/bin/env node
'use strict';
// Entry for `npx kubemark-lint`: the bundled CLI (built by `npm run build`, run by `npm ci`'s prepare).
const { main } = require('../dist/cli.js');
process.exitCode = main(process.argv.slice(2), (s) => console.log(s), (s) => console.error(s));
