/**
 * Code blocks in README.md, docs/*.md and examples/README.md, classified so that a test can check
 * every one of them (test/docs/samples.test.ts). The convention, also described in
 * docs/architecture.md ("Samples in the docs are tested"):
 *
 * - ```ts blocks are type-checked against the sources ('fuseplan' is src/index.ts). Markers on the
 *   lines right above the fence:
 *     <!-- file: NAME.ts -->   the snippet is that file (other snippets import it, commands name it);
 *                              a first line `// NAME.ts` says the same
 *     <!-- run: NAME.ts -->    a complete program: also run, its console output is `NAME.ts`'s output
 *     <!-- given: DECLS -->    TypeScript declarations a fragment assumes (`declare const exe: ...`)
 * - ```sh blocks: one command a line (`# comments` ignored). `fuseplan` commands run and must exit
 *   0; every other command must be in NOT_RUN with the reason it is not run.
 * - ```console blocks: a first line `$ COMMAND`, then that command's output.
 * - ```text (or unlabelled) blocks need a marker:
 *     <!-- output of: COMMAND -->     COMMAND's output (a fuseplan command, or NAME.ts of a run
 *                                     block); `COMMAND | head -N` compares the first N lines
 *     <!-- not checked: REASON -->    illustrative (a formula, a listing); any block may carry it
 * - ```mermaid blocks are generated and checked by test/architecture.test.ts.
 *
 * Outputs are compared after normalize(): times, byte sizes and decimals become placeholders;
 * words, integers (counts, shapes, node ids) and line structure must match.
 */
import { readFileSync } from 'node:fs';

export interface Marker {
  readonly kind: 'file' | 'run' | 'given' | 'output' | 'not checked';
  readonly value: string;
}

export interface Block {
  readonly doc: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly body: string;
  readonly markers: readonly Marker[];
}

const MARKER = /^<!--\s*(file|run|given|output of|not checked):\s*(.*?)\s*-->$/;

/** Fenced blocks of a Markdown file, with the sample markers on the lines above each fence. */
export function extractBlocks(doc: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i]!.match(/^```(\S*)\s*$/);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${doc}:${i + 1}: unclosed code block`);
    const markers: Marker[] = [];
    for (let k = i - 1; k >= 0; k--) {
      const m = lines[k]!.trim().match(MARKER);
      if (!m) break;
      markers.unshift({ kind: m[1] === 'output of' ? 'output' : (m[1] as Marker['kind']), value: m[2]! });
    }
    blocks.push({ doc, line: i + 1, lang: open[1]!, body: lines.slice(i + 1, end).join('\n'), markers });
    i = end;
  }
  return blocks;
}

export const marker = (b: Block, kind: Marker['kind']): string | undefined => b.markers.find((m) => m.kind === kind)?.value;

/** The file name a TypeScript snippet stands for, if it names one. */
export function snippetName(b: Block): string | undefined {
  return marker(b, 'run') ?? marker(b, 'file') ?? b.body.split('\n')[0]!.match(/^\/\/ ([\w.-]+\.ts)\s*$/)?.[1];
}

/** Commands of a ```sh block: one a line, comments dropped. */
export function shellCommands(b: Block): string[] {
  return b.body
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * Commands in the docs that the docs test does not run, each with why; a command that matches
 * none of these and is not a fuseplan command fails the test, so nothing is skipped silently.
 */
export const NOT_RUN: readonly { readonly pattern: RegExp; readonly reason: string }[] = [
  { pattern: /^npm (ci|install)\b|^npm pack\b/, reason: 'installs packages (network, minutes); test/package installs the packed tarball' },
  { pattern: /^npm test\b/, reason: 'the whole suite, which contains this test' },
  { pattern: /^npm run bench\b|^npx tsx bench\//, reason: 'benchmarks run for minutes; bench/ has its own smoke test' },
  { pattern: /^npm run fuzz\b/, reason: 'the fuzzer runs for hours; test/reliability runs its checks' },
  { pattern: /^npx vite\b/, reason: 'a dev server or a bundle; test/browser/browser.test.ts builds and runs the page' },
  { pattern: /^(npx )?fuseplan calibrate\b/, reason: 'measures the adapter for seconds to minutes and writes the profile cache; test/calibrate covers it' },
];

export function notRunReason(command: string): string | undefined {
  return NOT_RUN.find((n) => n.pattern.test(command))?.reason;
}

/** `npx fuseplan explain x.ts | head -2` -> the fuseplan arguments and the line limit. */
export function parseFuseplanCommand(command: string): { args: string[]; head?: number } | undefined {
  const m = command.match(/^(?:\$\s*)?(?:npx\s+)?fuseplan\s+(.*?)(?:\s*\|\s*head\s+-(\d+))?$/);
  if (!m) return undefined;
  return { args: m[1]!.split(/\s+/).filter(Boolean), ...(m[2] ? { head: Number(m[2]) } : {}) };
}

/** First N lines of a text (all of it without N), without trailing blank lines. */
export function head(text: string, n?: number): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return (n === undefined ? lines : lines.slice(0, n)).join('\n');
}

const ANSI = /\x1b\[[0-9;]*m/g;
const NUMBER = String.raw`-?\d+(?:\.\d+)?(?:e[+-]?\d+)?`;
const TIME = new RegExp(`${NUMBER}\\s?(?:ms|us|µs|ns|s)\\b`, 'g');
const BYTES = new RegExp(`${NUMBER}\\s?(?:B|KiB|MiB|GiB)\\b`, 'g');
const DECIMAL = /-?\d+\.\d+(?:e[+-]?\d+)?|-?\d+e[+-]?\d+/g;

/**
 * What of an output the docs promise: times, sizes and decimals vary run to run and machine to
 * machine, and table columns widen with them; words, integers and line structure do not.
 */
export function normalize(text: string): string {
  return head(text.replace(ANSI, ''))
    .replace(TIME, '<time>')
    .replace(BYTES, '<bytes>')
    .replace(DECIMAL, '<num>')
    .split('\n')
    .map((l) => l.replace(/─+/g, '─').replace(/[ \t]+/g, ' ').trimEnd())
    .join('\n');
}

export function readDoc(root: string, doc: string): string {
  return readFileSync(`${root}/${doc}`, 'utf8');
}

/**
 * Replaces the bodies of blocks (by opening-fence line) in a Markdown text: the update mode writes
 * real outputs into the docs, like a snapshot update.
 */
export function replaceBodies(text: string, bodies: ReadonlyMap<number, string>): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]!);
    const body = bodies.get(i + 1);
    if (body === undefined || !/^```/.test(lines[i]!)) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    out.push(...body.split('\n'), lines[end]!);
    i = end;
  }
  return out.join('\n');
}

/** A line `...` in a sample stands for lines left out. */
export const hasElisions = (shown: string): boolean => shown.split('\n').some((l) => l.trim() === '...');

/**
 * Whether a sample shows a real output: equal after normalize(), where each `...` line of the
 * sample matches any number of lines and the parts between must appear in order.
 */
export function matchesSample(shown: string, real: string): boolean {
  const want = normalize(shown).split('\n');
  const got = normalize(real).split('\n');
  if (!hasElisions(shown)) return want.join('\n') === got.join('\n');
  const parts: string[][] = [[]];
  for (const l of want) {
    if (l.trim() === '...') parts.push([]);
    else parts.at(-1)!.push(l);
  }
  const at = (part: string[], from: number): number => {
    for (let i = from; i + part.length <= got.length; i++) if (part.every((l, k) => got[i + k] === l)) return i;
    return -1;
  };
  // The first part starts the output and the last one ends it unless a `...` stands there.
  let pos = 0;
  for (const [i, part] of parts.entries()) {
    const found = at(part, pos);
    if (found < 0 || (i === 0 && found !== 0)) return false;
    pos = found + part.length;
  }
  return parts.length === 1 || parts.at(-1)!.length === 0 || pos === got.length;
}
