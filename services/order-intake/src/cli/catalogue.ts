// Operator tool for the SKU catalogue on the service's database (DATABASE_URL):
//   node -r @swc-node/register services/order-intake/src/cli/catalogue.ts import skus.txt
import { readFileSync } from 'node:fs';
import { Catalogue, SKU } from '../catalogue/catalogue';
import { runCli, UsageError } from './database';

const USAGE = `usage: node -r @swc-node/register services/order-intake/src/cli/catalogue.ts <command>
  import <file|->     adds the SKUs of a file (one per line; blank lines and # comments skipped), or of standard input
  add <sku> [<sku>...]  adds the SKUs given
SKUs inventory reports stock for are added automatically; this is for SKUs not stocked yet.
DATABASE_URL names the service's database.`;

function skusOf(text: string, source: string): string[] {
  const skus: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    if (!SKU.test(line)) throw new UsageError(`${source} line ${index + 1}: ${JSON.stringify(line)} is not a SKU (1 to 100 characters, no spaces)`);
    skus.push(line);
  });
  return skus;
}

runCli(USAGE, async (args, dataSource) => {
  const [command, ...rest] = args;
  let skus: string[];
  if (command === 'import' && rest.length === 1) {
    const file = rest[0];
    skus = skusOf(readFileSync(file === '-' ? 0 : file, 'utf8'), file === '-' ? 'standard input' : file);
  } else if (command === 'add' && rest.length > 0) {
    skus = skusOf(rest.join('\n'), 'arguments');
  } else {
    throw new UsageError(`unknown command or missing arguments: ${args.join(' ')}`);
  }
  const added = await dataSource.transaction((em) => new Catalogue().add(em, skus, 'operator import'));
  return `${added} SKU(s) added, ${new Set(skus).size - added} known already`;
});
