/**
 * The folder order of docs/architecture.md holds: no module imports from a folder later in the
 * order (data flows one way), and the folder graph embedded in the docs is the one the sources have.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importEdges, mermaidGraph, upwardImports } from '../scripts/folder-graph.js';

describe('architecture', () => {
  it('no module imports from a folder above it in the documented order', () => {
    const up = upwardImports(importEdges()).map((e) => `${e.file}: ${e.from} -> ${e.to}`);
    expect(up).toEqual([]);
  });

  it('the check finds an upward import, a dynamic one and a folder missing from the order', () => {
    const root = mkdtempSync(join(tmpdir(), 'fuseplan-arch-'));
    try {
      const src = join(root, 'src');
      for (const d of ['ir', 'planner', 'codegen', 'extras']) mkdirSync(join(src, d), { recursive: true });
      writeFileSync(join(src, 'ir', 'a.ts'), "import type { X } from '../planner/x.js';\n");
      writeFileSync(join(src, 'planner', 'x.ts'), "export type X = 1;\nexport const f = () => import('../codegen/y.js');\n");
      writeFileSync(join(src, 'codegen', 'y.ts'), "import { f } from '../planner/x.js';\nexport { f };\n");
      writeFileSync(join(src, 'extras', 'z.ts'), "export * from '../ir/a.js';\n");
      const up = upwardImports(importEdges(src)).map((e) => `${e.from}->${e.to}`).sort();
      expect(up).toEqual(['extras->ir', 'ir->planner', 'planner->codegen']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('docs/architecture.md shows the current folder graph', () => {
    const doc = readFileSync(new URL('../docs/architecture.md', import.meta.url), 'utf8');
    const block = /<!-- folder-graph:start -->\n([\s\S]*?)\n<!-- folder-graph:end -->/.exec(doc);
    expect(block, 'docs/architecture.md lacks the folder-graph markers').not.toBeNull();
    expect(block![1], 'regenerate with: npx tsx scripts/folder-graph.ts').toBe(mermaidGraph(importEdges()));
  });
});
