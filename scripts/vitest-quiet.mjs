/**
 * `npm test`'s runner: vitest, with clean output when nobody is watching a terminal (CI logs).
 * - Colours only on a terminal: vitest's reporter colours whenever TERM is not 'dumb', so NO_COLOR
 *   is set for it when stdout is not a TTY (FORCE_COLOR or an explicit NO_COLOR still win).
 * - Dawn prints "...artificially reduced ... to fit dynamic offset allocation limit" from native
 *   code once per adapter request, i.e. in every GPU test file; the lines say nothing about the
 *   code under test, so they are dropped from the output. Everything else passes through unchanged.
 * Arguments go to `vitest run`; the exit code is vitest's.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

const DAWN_NOISE = /^Warning: maxDynamic\w+ artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/;
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const env = { ...process.env };
if (!process.stdout.isTTY && env.FORCE_COLOR === undefined && env.NO_COLOR === undefined) env.NO_COLOR = '1';
const child = spawn(process.execPath, [vitest, 'run', ...process.argv.slice(2)], { env, stdio: ['inherit', 'pipe', 'pipe'] });
for (const [from, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
  createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => {
    if (!DAWN_NOISE.test(line)) to.write(`${line}\n`);
  });
}
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
