#!/usr/bin/env node
// `npm run bench`: compiles the TypeScript sources on the fly with SWC (not tsx: the embedded platform runs its
// NestJS services in this process, and their dependency injection needs the decorator metadata esbuild does not
// emit), then runs the benchmark's command line.
const path = require('node:path');
process.env.SWC_NODE_PROJECT ??= path.join(__dirname, '..', '..', '..', 'tsconfig.base.json');
require('@swc-node/register');
require('../src/cli.ts').runCli();
