// Helpers of the package tests: shell commands, the packed and installed tarball, a static server.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function sh(cmd: string, args: string[], opts: SpawnSyncOptions = {}): Result {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, ...opts, env: { ...process.env, NO_COLOR: '1', XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir(), ...opts.env } });
  return { status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** The name of every installed package in `npm ls --all --json` output, at any depth. */
export function installedNames(tree: { dependencies?: Record<string, unknown> }): Set<string> {
  const names = new Set<string>();
  const walk = (deps: Record<string, unknown> | undefined): void => {
    for (const [name, sub] of Object.entries(deps ?? {})) {
      // An optional peer that is not installed is listed too, as an entry without a version.
      const node = sub as { version?: string; dependencies?: Record<string, unknown> };
      if (node.version === undefined) continue;
      names.add(name);
      walk(node.dependencies);
    }
  };
  walk(tree.dependencies);
  return names;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };

/** Serves a folder on 127.0.0.1 (WebGPU needs a secure context: localhost, not file://). */
export async function serve(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0] === '/' ? 'index.html' : (req.url ?? '').slice(1).split('?')[0]!;
    if (!/^[\w.-]+$/.test(name)) return void res.writeHead(404).end();
    try {
      const body = readFileSync(join(dir, name));
      res.writeHead(200, { 'content-type': TYPES[extname(name)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((r) => server.close(() => r())) };
}
