import { describe, expect, it } from 'vitest';
import { extractBlocks, matchesSample, normalize, notRunReason, parseFuseplanCommand, replaceBodies, shellCommands, snippetName } from '../support/doc-samples.js';

describe('doc sample comparison', () => {
  it('ignores times, sizes, decimals and column widths but not words, counts or shapes', () => {
    const doc = "  3 fused operators, 3 kernel launches, estimated 591.3 us; planned in 45.64 ms\n│ p      │ [128, 128] │ 8.46e-9 │ ok │";
    expect(matchesSample(doc, '  3 fused operators, 3 kernel launches, estimated 1.20 ms; planned in 5.1 ms\n│ p │ [128, 128] │ 1.25e-10 │ ok │')).toBe(true);
    expect(matchesSample(doc, '  4 fused operators, 3 kernel launches, estimated 591.3 us; planned in 45.64 ms\n│ p │ [128, 128] │ 8.46e-9 │ ok │')).toBe(false);
    expect(matchesSample(doc, '  3 fused operators, 3 kernel launches, estimated 591.3 us; planned in 45.64 ms\n│ p │ [128, 64] │ 8.46e-9 │ ok │')).toBe(false);
    expect(matchesSample(doc, doc + '\nextra line')).toBe(false);
    expect(normalize('reads 981.0 KiB, writes 64 B\x1b[32m ok\x1b[39m')).toBe('reads <bytes>, writes <bytes> ok');
  });
  it('matches `...` lines against any lines, keeping the parts in order', () => {
    const real = 'a\nb\nc\nd\ne';
    expect(matchesSample('a\n...\nd\ne', real)).toBe(true);
    expect(matchesSample('...\nc\n...', real)).toBe(true);
    expect(matchesSample('b\n...\ne', real)).toBe(false);
    expect(matchesSample('a\n...\nd', real)).toBe(false);
    expect(matchesSample('a\n...\nd\nc\n...', real)).toBe(false);
  });
});

describe('doc sample extraction', () => {
  const md = ['text', '<!-- run: x.ts -->', '```ts', 'const a = 1;', '```', '```sh', 'npx fuseplan explain m.ts   # plan', 'npm test', '```', '<!-- output of: npx fuseplan explain m.ts | head -2 -->', '```text', 'old', '```', ''].join('\n');
  const blocks = extractBlocks('x.md', md);
  it('reads blocks with their markers and lines', () => {
    expect(blocks.map((b) => [b.line, b.lang])).toEqual([[3, 'ts'], [6, 'sh'], [11, 'text']]);
    expect(snippetName(blocks[0]!)).toBe('x.ts');
    expect(shellCommands(blocks[1]!)).toEqual(['npx fuseplan explain m.ts', 'npm test']);
    expect(blocks[2]!.markers).toEqual([{ kind: 'output', value: 'npx fuseplan explain m.ts | head -2' }]);
  });
  it('parses fuseplan commands and knows why the others are not run', () => {
    expect(parseFuseplanCommand('npx fuseplan explain m.ts | head -2')).toEqual({ args: ['explain', 'm.ts'], head: 2 });
    expect(parseFuseplanCommand('npm run bench')).toBeUndefined();
    expect(notRunReason('npm test')).toMatch(/suite/);
    expect(notRunReason('npx fuseplan explain m.ts')).toBeUndefined();
  });
  it('rewrites a block body in place (the update mode)', () => {
    const out = replaceBodies(md, new Map([[11, 'new\nlines']]));
    expect(out).toBe(md.replace('```text\nold\n```', '```text\nnew\nlines\n```'));
  });
});
