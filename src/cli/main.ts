import { readFileSync, writeFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { Command, CommanderError } from 'commander';
import { compile, type ExplainFormat } from '../api/compile.js';
import { exitCodeFor, parseDims, parsePrecision, parseStrategy, UsageError, stepProgress } from './args.js';
import { loadModel } from './load-model.js';
import { runCommand, type RunFlags } from './run.js';
import { benchCommand, type BenchFlags } from './bench.js';
import { calibrateCommand, profileForExplain, type CalibrateFlags } from './calibrate.js';
import { checkCommand } from './check.js';
import { colorsFor } from './colors.js';
import { explainHtml, graphLayoutAvailable, GRAPH_LAYOUT_HINT } from '../viewer/html.js';
import { decodePlanJSON } from '../explain/plan-json.js';
import { savedPlanText } from '../explain/saved-plan.js';

const MAX_REL_ERROR = ['--max-rel-error <x>', 'an error budget: intermediates may be stored as f16 where every output keeps within x of its magnitude bound (docs/planner.md)'] as const;
const INPUT_RANGES = ['--input-ranges <ranges>', 'value ranges of inputs for --max-rel-error, e.g. x=-1:1,y=0:4 (default: -1:1, the range of the random inputs `run` feeds)'] as const;

const FORMATS: readonly (ExplainFormat | 'html')[] = ['text', 'json', 'dot', 'wgsl', 'ir', 'html'];

interface ExplainFlags {
  dims?: string;
  strategy?: string;
  format?: string;
  output?: string;
  deviceProfile?: string;
  maxRelError?: string;
  inputRanges?: string;
}

async function explainModel(file: string, f: ExplainFlags, format: ExplainFormat | 'html'): Promise<string> {
  const m = await loadModel(file);
  const progress = stepProgress(2, m.ir.name);
  const precision = parsePrecision(m.ir, f.maxRelError, f.inputRanges);
  const plan = compile(m.ir, { dims: { ...m.dims, ...parseDims(f.dims) }, strategy: parseStrategy(f.strategy), profile: profileForExplain(f.deviceProfile), ...(precision ? { precision } : {}) });
  progress.step('planned and compiled');
  if (format === 'html' && !(await graphLayoutAvailable())) process.stderr.write(`note: ${GRAPH_LAYOUT_HINT}\n`);
  const text = format === 'html' ? await explainHtml(plan) : plan.explain(format);
  progress.step('rendered');
  progress.done();
  return text;
}

/** A plan saved with `--format json`, checked and shown again (it records no graph, so no dot, wgsl, ir or html). */
function savedPlan(file: string, format: ExplainFormat | 'html'): string {
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format ${format}: a saved plan records no graph or kernels; explain the model file instead`);
  const plan = decodePlanJSON(readFileSync(file, 'utf8'));
  if (E.isLeft(plan)) throw new UsageError(`${file}: ${plan.left.message}`);
  return format === 'json' ? JSON.stringify(plan.right, null, 2) : savedPlanText(plan.right);
}

function program(out: (s: string) => void): Command {
  const p = new Command('fuseplan')
    .description('Plan operator fusion for tensor models and run the fused WGSL kernels on WebGPU')
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: (s) => process.stderr.write(s) });
  p.command('explain')
    .description('print the fusion plan of a model file: operators, materialized intermediates, decisions, WGSL')
    .argument('<model-file>', 'a .ts/.js file whose default export is a model (optionally `export const dims`), or a plan saved with --format json')
    .option('--dims <dims>', 'symbolic dim sizes, e.g. B=64,T=128 (default: the file\'s `dims` export)')
    .option('--strategy <name>', 'cost | fuse-all | fuse-no-redundancy | none', 'cost')
    .option('--format <fmt>', `output format: ${FORMATS.join(' | ')}`, 'text')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--device-profile <file>', "cost profile: a calibration file, or 'default' (default: the most recently calibrated profile, else the built-in one)")
    .option(...MAX_REL_ERROR)
    .option(...INPUT_RANGES)
    .action(async (file: string, f: ExplainFlags) => {
      const format = (f.format ?? 'text') as ExplainFormat | 'html';
      if (!FORMATS.includes(format)) throw new UsageError(`--format: '${f.format}' is not one of ${FORMATS.join(', ')}`);
      const text = file.endsWith('.json') ? savedPlan(file, format) : await explainModel(file, f, format);
      if (f.output) {
        writeFileSync(f.output, text + '\n');
        process.stderr.write(`wrote ${f.output}\n`);
      } else out(text + '\n');
    });
  p.command('check')
    .description('type-check a TypeScript model file: shape errors (e.g. "matmul: inner dims differ") without running it')
    .argument('<model-file>', 'a .ts file; checked with the settings of the tsconfig.json above it (strict defaults without one)')
    .action(async (file: string) => checkCommand(file, out));
  p.command('run')
    .description('run a model file on the GPU with seeded random inputs')
    .argument('<model-file>', 'a .ts/.js file whose default export is a model')
    .option('--dims <dims>', 'symbolic dim sizes, e.g. B=64,T=128')
    .option('--strategy <name>', 'cost | fuse-all | fuse-no-redundancy | none', 'cost')
    .option('--check', 'compare every output with the float64 reference and print the max relative error')
    .option('--profile', 'print each kernel\'s GPU time (timestamp queries) on a warm run, and its fused operator')
    .option('--json', 'print the result as JSON')
    .option('--seed <n>', 'seed of the random inputs', '1')
    .option('--runs <n>', 'timed runs after one warm-up', '5')
    .option('--device-profile <file>', "cost profile: a calibration file, or 'default' (default: the adapter's calibrated profile, else the built-in one)")
    .option(...MAX_REL_ERROR)
    .option(...INPUT_RANGES)
    .action(async (file: string, f: RunFlags) => runCommand(file, f, out));
  p.command('calibrate')
    .description('measure this adapter (bandwidth, arithmetic, launches, matmul; kernel variants) and cache the cost profile planning uses')
    .option('--force', 'measure again even if a profile for this adapter is cached')
    .option('--quick', 'small sizes, few rounds: a rough profile in a few seconds')
    .option('--json', 'print the stored profile as JSON')
    .action(async (f: CalibrateFlags) => calibrateCommand(f, out));
  p.command('bench')
    .description('time a model file under each strategy on the GPU (kernels, estimated vs measured ms)')
    .argument('<model-file>', 'a .ts/.js file whose default export is a model')
    .option('--dims <dims>', 'symbolic dim sizes, e.g. B=64,T=128')
    .option('--strategies <list>', 'comma-separated strategies (default: all four)')
    .option('--runs <n>', 'timed runs per strategy', '10')
    .option('--warmup <n>', 'warm-up runs per strategy', '2')
    .option('--json', 'print the result as JSON')
    .option('--device-profile <file|default>', 'cost profile to plan with (default: the calibrated profile of this adapter)')
    .action(async (file: string, f: BenchFlags) => benchCommand(file, f, out));
  return p;
}

/**
 * Runs the CLI; returns the exit code: 0 ok; 1 the user's mistake (flags, model file, shapes, dims,
 * type errors found by `check`, a missing optional peer); 2 a device failure or limit, or our bug.
 * docs/getting-started.md has the table.
 */
export async function main(argv: readonly string[], out: (s: string) => void = (s) => void process.stdout.write(s)): Promise<number> {
  try {
    await program(out).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1;
    const code = exitCodeFor(e);
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`${colorsFor(process.stderr).red('error')}: ${msg.split('\n')[0]}\n`);
    if (code === 2 && e instanceof Error && process.env.FUSEPLAN_DEBUG) process.stderr.write(`${e.stack}\n`);
    return code;
  }
}
