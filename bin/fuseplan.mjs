#!/usr/bin/env node
// The fuseplan CLI. An installed package runs the compiled dist/ and loads TypeScript model files
// through tsx only when one is given (tsx is an optional peer; see src/cli/load-model.ts).
//
// A checkout of the repository (it has src/; the published package ships only dist/) runs the
// TypeScript sources through tsx, a devDependency there, so a stale or missing dist/ never shadows
// edited sources. Model files that `import ... from 'fuseplan'`, as the docs show, then resolve to
// those same sources: the package's exports point at dist/, which a fresh checkout lacks, and a
// second copy of the library would also be a second FuseplanError class next to the CLI's own.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const fromSource = new URL('../src/cli/main.ts', import.meta.url);
let entry = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(fromSource)) {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    process.stderr.write('error: running fuseplan from a checkout needs its devDependencies: run `npm ci` (or `npm install`) in the repository\n');
    process.exit(1);
  }
  tsx.register();
  // Hooks registered later run first: 'fuseplan' is mapped to a source file before tsx resolves it.
  const alias = {
    fuseplan: new URL('../src/index.ts', import.meta.url).href,
    'fuseplan/browser': new URL('../src/browser.ts', import.meta.url).href,
  };
  const hooks = `const alias = ${JSON.stringify(alias)};
export function resolve(specifier, context, next) {
  return next(Object.hasOwn(alias, specifier) ? alias[specifier] : specifier, context);
}`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
  entry = fromSource;
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
// Dawn's Node binding can keep the event loop alive after the device is gone: exit explicitly.
process.exit(process.exitCode ?? 0);
