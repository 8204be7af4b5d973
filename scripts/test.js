#!/usr/bin/env node
// `npm test`: type-check, lint and format check (Biome), unit + integration tests (vitest), then the browser e2e suite
// (Playwright in Debian Chromium), and one closing line with the totals.
import './require-node.mjs'; // first: one line on a Node too old
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, 'test-results');
mkdirSync(out, { recursive: true });
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args, env = {}) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;

const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];

console.log('\n== type-check (tsc --noEmit)');
const tscStatus = run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
lines.push(`typecheck: ${tscStatus === 0 ? 'ok' : 'FAILED'}`);
if (tscStatus !== 0) totals.failed++;

console.log('\n== lint (biome lint)');
const lintStatus = run(bin('biome'), ['lint', '.']);
lines.push(`lint: ${lintStatus === 0 ? 'ok' : 'FAILED'}`);
if (lintStatus !== 0) totals.failed++;

console.log('\n== format check (biome format)');
const formatStatus = run(bin('biome'), ['format', '.']);
lines.push(`format: ${formatStatus === 0 ? 'ok' : 'FAILED (run npm run format)'}`);
if (formatStatus !== 0) totals.failed++;

console.log('\n== unit and integration tests (vitest)');
const vitestJson = join(out, 'vitest.json');
rmSync(vitestJson, { force: true });
const vitestStatus = run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]);
if (existsSync(vitestJson)) {
  const r = JSON.parse(readFileSync(vitestJson, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  totals.passed += r.numPassedTests;
  totals.failed += r.numFailedTests;
  totals.skipped += skipped;
  lines.push(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  if (vitestStatus !== 0 && r.numFailedTests === 0) {
    totals.failed++;
    lines.push('vitest: exited non-zero (a suite failed to load or an error escaped a test)');
  }
} else {
  totals.failed++;
  lines.push('vitest: no results (did it crash?)');
}

console.log('\n== end-to-end tests (Playwright)');
const e2eJson = join(out, 'e2e.json');
rmSync(e2eJson, { force: true });
const e2eStatus = run(process.execPath, [join(root, 'scripts', 'e2e.js')], { PLAYWRIGHT_JSON_OUTPUT_NAME: e2eJson });
if (existsSync(e2eJson)) {
  const s = JSON.parse(readFileSync(e2eJson, 'utf8')).stats;
  const passed = s.expected + (s.flaky ?? 0);
  totals.passed += passed;
  totals.failed += s.unexpected;
  totals.skipped += s.skipped;
  lines.push(`e2e: ${passed} passed, ${s.unexpected} failed, ${s.skipped} skipped${s.flaky ? ` (${s.flaky} flaky)` : ''}`);
  if (e2eStatus !== 0 && s.unexpected === 0) {
    totals.failed++;
    lines.push('e2e: exited non-zero');
  }
} else if (e2eStatus === 0) {
  lines.push('e2e: skipped (see above)');
} else {
  totals.failed++;
  lines.push('e2e: FAILED before running tests');
}

console.log('\n== summary');
for (const l of lines) console.log(l);
console.log(`total: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed === 0 && tscStatus === 0 && lintStatus === 0 && formatStatus === 0 && vitestStatus === 0 && e2eStatus === 0 ? 0 : 1);
