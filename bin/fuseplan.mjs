#!/usr/bin/env node
// The fuseplan CLI. tsx is registered first so model files written in TypeScript load directly,
// with no build step on the user's side.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
// Dawn's Node binding can keep the event loop alive after the device is gone: exit explicitly.
process.exit(process.exitCode ?? 0);
