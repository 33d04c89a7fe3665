/**
 * The folder graph of src/: which folder imports which. The documented order (lowest first) is the
 * direction data flows; a module may import only from its own folder or from folders before it.
 * `tsx scripts/folder-graph.ts` prints the Mermaid graph that docs/architecture.md embeds; the
 * architecture test checks both the order and that the embedded graph is current.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Lowest first. `.` is the package entry points (src/index.ts, src/browser.ts). */
export const FOLDER_ORDER = ['ir', 'dsl', 'reference', 'plan', 'cost', 'planner', 'codegen', 'runtime', 'calibrate', 'explain', 'api', 'viewer', 'cli', '.'] as const;

export interface ImportEdge {
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

const srcRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const folderOf = (root: string, file: string): string => {
  const rel = relative(root, file).split(sep);
  return rel.length === 1 ? '.' : rel[0]!;
};

/** Every relative import (static, dynamic or re-export) between two folders of src/. */
export function importEdges(root: string = srcRoot): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of tsFiles(root)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = resolve(dirname(file), m[1]!);
      const from = folderOf(root, file);
      const to = folderOf(root, target);
      if (from !== to) edges.push({ file: relative(join(root, '..'), file), from, to });
    }
  }
  return edges;
}

/** Imports that go against FOLDER_ORDER (or name a folder the order does not list). */
export function upwardImports(edges: readonly ImportEdge[]): ImportEdge[] {
  const rank = (f: string): number => (FOLDER_ORDER as readonly string[]).indexOf(f);
  return edges.filter((e) => rank(e.from) < 0 || rank(e.to) < 0 || rank(e.to) > rank(e.from));
}

/** The graph as Mermaid, folders in order, one arrow per importing pair. */
export function mermaidGraph(edges: readonly ImportEdge[]): string {
  const label = (f: string): string => (f === '.' ? 'entry' : f);
  const pairs = [...new Set(edges.map((e) => `${e.from}|${e.to}`))].map((p) => p.split('|') as [string, string]);
  const rank = (f: string): number => (FOLDER_ORDER as readonly string[]).indexOf(f);
  pairs.sort((a, b) => rank(b[0]) - rank(a[0]) || rank(b[1]) - rank(a[1]));
  return ['```mermaid', 'graph TD', ...pairs.map(([a, b]) => `  ${label(a)} --> ${label(b)}`), '```'].join('\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const edges = importEdges();
  const up = upwardImports(edges);
  for (const e of up) console.error(`upward import: ${e.file} (${e.from}) -> ${e.to}`);
  console.log(mermaidGraph(edges));
  process.exitCode = up.length > 0 ? 1 : 0;
}
