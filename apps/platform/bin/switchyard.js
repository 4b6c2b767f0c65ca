#!/usr/bin/env node
// `npm start` / `npm run start:kafka`: compiles the TypeScript sources on the fly (SWC, with the decorator
// metadata NestJS needs) and runs the platform's command line.
const path = require('node:path');
process.env.SWC_NODE_PROJECT ??= path.join(__dirname, '..', '..', '..', 'tsconfig.base.json');
require('@swc-node/register');
void require('../src/cli.ts').main();
