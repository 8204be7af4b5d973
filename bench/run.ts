/**
 * `npm run bench [name…]`: runs every bench/*.bench.ts (or the named ones) one after another in
 * this process and prints their figures. Each bench measures its own baseline in the same run
 * and reports ratios, because the machine is shared and noisy.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface BenchContext {
  /** Print one result line. */
  report(line: string): void;
  /** Quick mode (smaller sizes), set by --quick. */
  quick: boolean;
}
export type Bench = (ctx: BenchContext) => Promise<void>;

const dir = import.meta.dirname;
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const wanted = args.filter((a) => !a.startsWith('--'));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

if (files.length === 0) {
  console.error(`no bench matches ${wanted.join(', ')}`);
  process.exit(1);
}
let failed = 0;
for (const f of files) {
  const name = basename(f, '.bench.ts');
  console.log(`\n== ${name}`);
  const mod = (await import(join(dir, f))) as { default: Bench };
  try {
    await mod.default({ report: (l) => console.log(`  ${l}`), quick });
  } catch (e) {
    failed++;
    console.log(`  FAILED: ${(e as Error).stack ?? e}`);
  }
}
process.exit(failed ? 1 : 0);
