#!/usr/bin/env node
// Prints the events of a stopped embedded platform's log (see apps/platform/src/read-log.ts).
const path = require('node:path');
process.env.SWC_NODE_PROJECT ??= path.join(__dirname, '..', '..', '..', 'tsconfig.base.json');
require('@swc-node/register');
require('../src/read-log.ts')
  .main()
  .catch((error) => {
    process.stderr.write(`read-log failed: ${error.stack ?? error}\n`);
    process.exit(1);
  });
