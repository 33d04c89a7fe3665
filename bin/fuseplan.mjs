#!/usr/bin/env node
// The fuseplan CLI. tsx is registered first so users' model files written in TypeScript load
// directly, with no build step on their side. The CLI itself runs from the compiled dist/ in an
// installed package, and from the TypeScript sources in a checkout of the repository (which has
// src/; the published package ships only dist/), so a stale dist/ never shadows edited sources.
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const fromSource = new URL('../src/cli/main.ts', import.meta.url);
const { main } = await import(existsSync(fromSource) ? fromSource.href : new URL('../dist/cli/main.js', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
// Dawn's Node binding can keep the event loop alive after the device is gone: exit explicitly.
process.exit(process.exitCode ?? 0);
