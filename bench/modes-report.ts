/**
 * Tables and summaries of `npm run bench -- modes`: one table per timing mode (every contender's
 * median, the fastest peer, cost's speedups), geometric means and the targets, and the
 * per-kernel floor table. Each table goes to stdout (cli-table3) and to a Markdown buffer.
 */
import Table from 'cli-table3';
import { geomean } from './harness.js';
import { FLOOR_TARGET, type KernelFloor } from './floor.js';
import { MODE_TITLES, type Mode } from './mode-contenders.js';

export interface ModeRow {
  readonly workload: string;
  /** Median ms per contender name; absent where the contender did not run. */
  readonly ms: Readonly<Record<string, number>>;
  /** Largest error over its bound per contender in this mode (<= 1 is correct). */
  readonly err: Readonly<Record<string, number>>;
  readonly ok: Readonly<Record<string, boolean>>;
}

export const PEERS = ['tfjs-webgpu', 'ort-webgpu'] as const;
const fmt = (x: number | undefined, d = 2): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));

export class Report {
  readonly md: string[] = [];
  readonly lines: string[] = [];

  table(title: string, head: string[], rows: string[][]): void {
    const t = new Table({ head, style: { head: [], border: [], compact: true } });
    t.push(...rows);
    console.log(`\n${title}\n${t.toString()}`);
    // Right-align the columns whose cells are all numbers (with an x or % suffix, or '-').
    const numeric = head.map((_, i) => rows.every((r) => /^(-|[\d.]+[x%]?)$/.test(r[i] ?? '')));
    this.md.push('', `${title}\n`, `| ${head.join(' | ')} |`, `|${numeric.map((n) => (n ? ' ---: ' : ' --- ')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`), '');
  }

  say(line: string): void {
    console.log(line);
    this.lines.push(line);
    this.md.push(`- ${line}`);
  }
}

/** The fastest peer that ran on this workload, or null. */
function fastestPeer(r: ModeRow): { name: string; ms: number } | null {
  let best: { name: string; ms: number } | null = null;
  for (const p of PEERS) {
    const ms = r.ms[p];
    if (ms !== undefined && (best === null || ms < best.ms)) best = { name: p, ms };
  }
  return best;
}

export interface ModeSummary {
  readonly mode: Mode;
  /** Geometric means of contender ms / cost ms over the workloads where both ran. */
  readonly vs: Record<string, number>;
  readonly vsFastestPeer: number;
  readonly perWorkload: Record<string, { vsFastestPeer: number | null; vsNone: number | null; fastestPeer: string | null }>;
}

export function modeTable(rep: Report, mode: Mode, rows: readonly ModeRow[], contenders: readonly string[], note: string): ModeSummary {
  const head = ['workload', ...contenders.map((c) => `${c} ms`), 'fastest peer', 'cost vs peer', 'cost vs none', 'all correct'];
  const perWorkload: ModeSummary['perWorkload'] = {};
  const body = rows.map((r) => {
    const cost = r.ms['cost'];
    const peer = fastestPeer(r);
    const vsPeer = peer !== null && cost !== undefined ? peer.ms / cost : null;
    const vsNone = r.ms['none'] !== undefined && cost !== undefined ? r.ms['none'] / cost : null;
    perWorkload[r.workload] = { vsFastestPeer: vsPeer, vsNone, fastestPeer: peer?.name ?? null };
    const bad = Object.entries(r.ok).filter(([, ok]) => !ok).map(([c]) => c);
    return [r.workload, ...contenders.map((c) => fmt(r.ms[c])), peer?.name ?? '-', vsPeer === null ? '-' : `${fmt(vsPeer)}x`, vsNone === null ? '-' : `${fmt(vsNone)}x`, bad.length === 0 ? 'yes' : `NO: ${bad.join(', ')}`];
  });
  rep.table(`Mode ${MODE_TITLES[mode]}; ${note}`, head, body);
  const vs: Record<string, number> = {};
  for (const c of contenders.filter((x) => x !== 'cost')) {
    const xs = rows.filter((r) => r.ms[c] !== undefined && r.ms['cost'] !== undefined).map((r) => r.ms[c]! / r.ms['cost']!);
    if (xs.length > 0) vs[c] = geomean(xs);
  }
  const peerRatios = Object.values(perWorkload).map((p) => p.vsFastestPeer).filter((x): x is number => x !== null);
  const summary = { mode, vs, vsFastestPeer: geomean(peerRatios), perWorkload };
  const parts = Object.entries(vs).map(([c, g]) => `${fmt(g)}x vs ${c}`);
  if (peerRatios.length > 0) parts.unshift(`${fmt(summary.vsFastestPeer)}x vs the fastest peer per workload`);
  rep.say(`mode (${mode}) geomean speedup of cost: ${parts.join(', ')}`);
  return summary;
}

/** The targets for mode (a): >= 2x the fastest peer and >= 3x `none`, geometric means. */
export function targets(rep: Report, a: ModeSummary): void {
  const verdict = (x: number, t: number): string => (Number.isNaN(x) ? 'not measured' : `${x >= t ? 'met' : 'NOT met'} (${fmt(x)}x)`);
  rep.say(`target mode (a) cost >= 2x the fastest peer (geomean): ${verdict(a.vsFastestPeer, 2)}`);
  rep.say(`target mode (a) cost >= 3x none (geomean): ${verdict(a.vs['none'] ?? NaN, 3)}`);
  const losses = Object.entries(a.perWorkload).filter(([, p]) => p.vsFastestPeer !== null && p.vsFastestPeer < 1).map(([w, p]) => `${w} (${fmt(p.vsFastestPeer!)}x vs ${p.fastestPeer})`);
  if (losses.length > 0) rep.say(`mode (a): cost is slower than the fastest peer on ${losses.join(', ')}`);
}

export function floorTable(rep: Report, floors: readonly KernelFloor[], note: string): void {
  const mb = (b: number): string => (b / 1e6).toFixed(2);
  const pct = (x: number): string => `${(100 * x).toFixed(0)}%`;
  const rows = floors.map((f) => [f.workload, f.kernel, f.template, f.limit, mb(f.bytes), mb(f.opModelBytes), fmt(f.gpuMs, 3), fmt(f.bestMs, 3), fmt(f.floorMs, 3), pct(f.ofFloor), pct(f.bestOfFloor), f.limit === 'memory' && f.bestOfFloor < FLOOR_TARGET ? 'below 75%' : '']);
  rep.table(`Per-kernel floor of the cost plans; ${note}`, ['workload', 'kernel', 'template', 'limit (model)', 'MB must move', 'MB op (model)', 'GPU ms (median)', 'GPU ms (best)', 'floor ms', '% of floor (median)', '% of floor (best)', ''], rows);
  const mem = floors.filter((f) => f.limit === 'memory');
  if (mem.length === 0) return;
  for (const [what, of] of [['median', (f: KernelFloor) => f.ofFloor], ['best', (f: KernelFloor) => f.bestOfFloor]] as const) {
    const xs = mem.map(of).sort((x, y) => x - y);
    const met = xs.filter((x) => x >= FLOOR_TARGET).length;
    const worst = mem.reduce((w, f) => (of(f) < of(w) ? f : w));
    rep.say(`memory-bound kernels at >= 75% of the floor (${what} GPU time): ${met} of ${mem.length}; median ${pct(xs[Math.floor(xs.length / 2)]!)}, range ${pct(xs[0]!)}-${pct(xs[xs.length - 1]!)}; worst: ${worst.workload} ${worst.kernel} (${worst.template}) at ${pct(of(worst))}`);
  }
}
