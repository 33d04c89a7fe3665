// Every code block in README.md, docs/*.md and examples/README.md is checked here; the convention
// is in test/support/doc-samples.ts. FUSEPLAN_UPDATE_DOCS=1 (npm run docs:update) rewrites the
// sample outputs that drifted from the real ones instead of failing (FUSEPLAN_UPDATE_DOCS=all:
// every sample, with today's numbers); review the diff, then commit it.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureConsole, captureStderr, runCli, type CliResult } from '../support/cli-capture.js';
import { extractBlocks, hasElisions, head, marker, matchesSample, normalize, NOT_RUN, notRunReason, parseFuseplanCommand, readDoc, replaceBodies, shellCommands, snippetName, type Block } from '../support/doc-samples.js';
import { typecheckSnippets } from '../support/doc-typecheck.js';

const ROOT = resolve(import.meta.dirname, '../..');
// '1' rewrites the samples that drifted; 'all' rewrites every one, refreshing the numbers too.
const UPDATE_MODE = process.env.FUSEPLAN_UPDATE_DOCS;
const UPDATE = UPDATE_MODE === '1' || UPDATE_MODE === 'all';
const DOCS = ['README.md', 'examples/README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const blocks = DOCS.flatMap((doc) => extractBlocks(doc, readDoc(ROOT, doc)));
const where = (b: Block): string => `${b.doc}:${b.line}`;
const isTs = (b: Block): boolean => b.lang === 'ts' || b.lang === 'typescript';
const checked = blocks.filter((b) => marker(b, 'not checked') === undefined);

/** What a block is, or why it is not a valid sample. */
function classify(b: Block): string {
  if (marker(b, 'not checked') !== undefined) return marker(b, 'not checked') ? 'not checked' : 'error: `not checked` needs a reason';
  if (isTs(b)) return 'typescript';
  if (b.lang === 'sh') return 'commands';
  if (b.lang === 'console') return /^\$ /.test(b.body) ? 'console' : 'error: a console block starts with `$ COMMAND`';
  if (b.lang === 'mermaid') return 'mermaid (test/architecture.test.ts)';
  if (b.lang === 'text' || b.lang === '') return marker(b, 'output') ? 'output' : 'error: needs <!-- output of: COMMAND --> or <!-- not checked: REASON -->';
  return `error: unknown block language '${b.lang}'`;
}

// Commands run in a scratch directory holding the snippets the docs name (model.ts) and links to
// examples/ and node_modules, with an empty profile cache so explain plans with the default profile everywhere.
let work = '';
const cwd = process.cwd();
const saved = { FUSEPLAN_CACHE_DIR: process.env.FUSEPLAN_CACHE_DIR, NO_COLOR: process.env.NO_COLOR };
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'fuseplan-docs-'));
  // A project as a user has it: ES modules, and node_modules with the type declarations `check` needs.
  writeFileSync(join(work, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'));
  symlinkSync(join(ROOT, 'examples'), join(work, 'examples'));
  mkdirSync(join(work, 'cache'));
  process.env.FUSEPLAN_CACHE_DIR = join(work, 'cache');
  // The docs show plain text, whatever FORCE_COLOR the test run has.
  process.env.NO_COLOR = '1';
  for (const b of checked.filter(isTs)) {
    const name = snippetName(b);
    if (name) writeFileSync(join(work, name), b.body + '\n');
  }
  process.chdir(work);
});
afterAll(() => {
  process.chdir(cwd);
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

// Each command runs once; several blocks may show (parts of) its output.
const results = new Map<string, Promise<CliResult>>();
function run(command: string): Promise<CliResult> {
  const program = command.replace(/^npx tsx\s+/, '').match(/^[\w.-]+\.ts$/)?.[0];
  const key = program ?? command;
  let r = results.get(key);
  if (!r) {
    r = program ? runProgram(program) : runFuseplan(command);
    results.set(key, r);
  }
  return r;
}
function runFuseplan(command: string): Promise<CliResult> {
  const parsed = parseFuseplanCommand(command);
  if (!parsed) throw new Error(`not a fuseplan command: ${command}`);
  return runCli(parsed.args);
}
async function runProgram(name: string): Promise<CliResult> {
  if (!checked.some((b) => marker(b, 'run') === name)) throw new Error(`no <!-- run: ${name} --> block in the docs`);
  const { value: out, text: err } = await captureStderr(() => captureConsole(() => import(pathToFileURL(join(work, name)).href)));
  return { code: 0, out, err };
}

/** Blocks showing a command's output: the command, the lines compared, and the shown text. */
function outputSamples(): { block: Block; command: string; head?: number; shown: string; prefix: string }[] {
  return checked.flatMap((b) => {
    if (b.lang === 'console') {
      const [first, ...rest] = b.body.split('\n');
      const command = first!.slice(2).trim();
      return [{ block: b, command, head: parseFuseplanCommand(command)?.head, shown: rest.join('\n'), prefix: `${first}\n` }];
    }
    const command = marker(b, 'output');
    if (command === undefined) return [];
    const n = command.match(/\|\s*head\s+-(\d+)$/)?.[1];
    return [{ block: b, command, head: n ? Number(n) : undefined, shown: b.body, prefix: '' }];
  });
}

describe('docs samples', () => {
  it('every code block is classified (see test/support/doc-samples.ts)', () => {
    expect(blocks.length).toBeGreaterThan(20);
    const errors = blocks.map((b) => `${where(b)}: ${classify(b)}`).filter((s) => s.includes(': error: '));
    expect(errors).toEqual([]);
  });

  it('TypeScript snippets type-check against the sources', () => {
    const snippets = checked.filter(isTs).map((b) => {
      const given = marker(b, 'given');
      const name = snippetName(b) ?? `__doc_${b.doc.replace(/\W/g, '_')}_${b.line}.ts`;
      // `given` declarations share the snippet's first line so that its line numbers stay the doc's.
      return { name, doc: b.doc, fenceLine: b.line, source: `${given ?? ''} ${b.body}\n` };
    });
    expect(snippets.length).toBeGreaterThanOrEqual(8);
    expect(typecheckSnippets(ROOT, snippets)).toEqual([]);
  });

  it('every command in a sh block runs and exits 0, or is listed as not run with the reason', async () => {
    const failures: string[] = [];
    for (const b of checked.filter((x) => x.lang === 'sh')) {
      for (const command of shellCommands(b)) {
        if (notRunReason(command)) continue;
        if (!parseFuseplanCommand(command)) {
          failures.push(`${where(b)}: '${command}' is neither a fuseplan command nor in NOT_RUN (test/support/doc-samples.ts)`);
          continue;
        }
        const r = await run(command);
        if (r.code !== 0) failures.push(`${where(b)}: '${command}' exited ${r.code}: ${r.err.trim()}`);
      }
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it('every command listed as not run appears in the docs (the list stays current)', () => {
    const commands = checked.filter((b) => b.lang === 'sh').flatMap(shellCommands);
    const unused = NOT_RUN.filter((n) => !commands.some((c) => n.pattern.test(c))).map((n) => String(n.pattern));
    expect(unused).toEqual([]);
  });

  it('complete programs (<!-- run: NAME.ts -->) run', async () => {
    const programs = checked.flatMap((b) => marker(b, 'run') ?? []);
    expect(programs.length).toBeGreaterThanOrEqual(2);
    for (const name of programs) await expect(run(name), name).resolves.toMatchObject({ code: 0 });
  }, 300_000);

  it(UPDATE ? 'rewrites sample outputs from the real ones (FUSEPLAN_UPDATE_DOCS=1)' : 'sample outputs match the real ones (numbers normalized)', async () => {
    const samples = outputSamples();
    expect(samples.length).toBeGreaterThanOrEqual(5);
    const drifted: string[] = [];
    const updates = new Map<string, Map<number, string>>();
    for (const s of samples) {
      const r = await run(s.command.replace(/\s*\|\s*head\s+-\d+$/, ''));
      expect(r.code, `${where(s.block)}: '${s.command}' failed: ${r.err}`).toBe(0);
      const real = head(r.out, s.head);
      if (matchesSample(s.shown, real) && !(UPDATE_MODE === 'all' && !hasElisions(s.shown))) continue;
      // An excerpt (`...` lines) is chosen by hand: the update reports it instead of rewriting it.
      if (UPDATE && !hasElisions(s.shown)) {
        if (!updates.has(s.block.doc)) updates.set(s.block.doc, new Map());
        updates.get(s.block.doc)!.set(s.block.line, s.prefix + real);
        continue;
      }
      drifted.push(`${where(s.block)}: the output of '${s.command}' changed:\n--- docs\n${normalize(s.shown)}\n--- now\n${normalize(real)}`);
    }
    if (UPDATE) {
      for (const [doc, bodies] of updates) writeFileSync(join(ROOT, doc), replaceBodies(readDoc(ROOT, doc), bodies));
      expect(drifted, 'excerpts to update by hand').toEqual([]);
      return;
    }
    expect(drifted, 'run `npm run docs:update` to rewrite the samples, then review the diff').toEqual([]);
  }, 300_000);
});
