/**
 * The constants of the cost model, and the kernel parameters codegen uses, per device.
 * DEFAULT_PROFILE describes Mesa lavapipe on a 2-core machine (measured with `fuseplan calibrate`,
 * see docs/performance.md) and stands in for CPU adapters; GENERIC_GPU_PROFILE stands in for an
 * uncalibrated GPU. `fuseplan calibrate` measures the actual adapter and stores its profile
 * (src/calibrate/profile-store.ts), which compile({ runtime }) then prefers.
 */
import * as t from 'io-ts';
import { nonNegativeInteger, nonNegativeNumber, numberWhere, positiveInteger, positiveNumber } from '../ir/decode.js';

/** A rate below the fastest kernel's, as a fraction of it. */
const share = numberWhere('a share of the maximum rate, in (0, 1]', (n) => Number.isFinite(n) && n > 0 && n <= 1);

/** Each template's share of bytesPerMs (in (0, 1]; absent: 1). */
const BandwidthSharesCodec = t.readonly(
  t.exact(
    t.partial({
      /** Elementwise cell kernels (vec4 or scalar, tuned items per invocation). */
      cell: share,
      /** Reductions (cell with aggregation, magg). */
      reduce: share,
      /** Row programs (bytes counted with the re-reads of rows a lane cannot cache). */
      row: share,
      /** The unfused scalar kernels (strategy none, `single` ops). */
      single: share,
    }),
  ),
);
export interface BandwidthShares extends t.TypeOf<typeof BandwidthSharesCodec> {}

const MatmulParamsCodec = t.readonly(
  t.exact(
    t.partial({
      /** The 64 x 64 tiled kernel. */
      tiled: share,
      /** The skinny (N <= 4) one-row-per-invocation kernel. */
      skinny: share,
      /** The unfused 16 x 16 tiled kernel. */
      single: share,
      /** Rows the skinny kernel needs to keep the device busy (fewer rows cost as much as this many). */
      skinnyMinRows: positiveNumber,
      /**
       * ms per extra tensor read per prologue evaluation (index arithmetic and a load per padded tile
       * element; a prologue that reads only its operand costs nothing extra).
       */
      prologueLoadMs: nonNegativeNumber,
    }),
  ),
);
export interface MatmulParams extends t.TypeOf<typeof MatmulParamsCodec> {}

/** Codegen variants per template (see docs/codegen.md); each field optional, default = codegen's. */
const KernelParamsCodec = t.readonly(
  t.exact(
    t.partial({
      cell: t.readonly(
        t.exact(
          t.partial({
            /** vec4s per invocation on the vectorized path (codegen default 4). */
            vec4PerThread: positiveInteger,
            /** Scalars per invocation on the scalar path (codegen default 8). */
            scalarPerThread: positiveInteger,
          }),
        ),
      ),
      reduce: t.readonly(
        t.exact(
          t.partial({
            /** 'thread' (codegen default): an invocation per output chunk; 'group': a workgroup tree. */
            layout: t.keyof({ thread: null, group: null }),
          }),
        ),
      ),
      row: t.readonly(
        t.exact(
          t.partial({
            /** Lanes to keep busy over all rows (codegen default 2048). */
            minLanes: positiveInteger,
            /** Longest per-lane private cache of row values (codegen default 16). */
            cacheMax: nonNegativeInteger,
          }),
        ),
      ),
      /**
       * 'literal' (codegen default): sizes and strides printed into the WGSL, so index arithmetic
       * is folded per shape; 'uniform': read from the uniform block, one pipeline for every
       * binding of the symbolic dims (fewer compiles when dims change often).
       */
      indexing: t.keyof({ literal: null, uniform: null }),
    }),
  ),
);
export interface KernelParams extends t.TypeOf<typeof KernelParamsCodec> {}

const constants = t.exact(
  t.type({
    /** Fixed cost of one dispatch, in ms (per-pass GPU time of a kernel that does nothing). */
    launchMs: positiveNumber,
    /**
     * Bytes per ms (read + write together) of the fastest streaming kernel codegen emits; templates
     * reach `bandwidth.<template>` times this. bytes / bytesPerMs bounds any plan from below.
     */
    bytesPerMs: positiveNumber,
    /** Weighted arithmetic ops per ms (an add or multiply weighs 1, exp 18; see src/ir/ops.ts). */
    flopsPerMs: positiveNumber,
    /**
     * Matmul flops (2 per multiply-add, padded tiles counted) per ms of the fastest matmul kernel;
     * the kernels reach `matmul.<kernel>` times this.
     */
    matmulFlopsPerMs: positiveNumber,
  }),
);
const parameters = t.exact(
  t.partial({
    bandwidth: BandwidthSharesCodec,
    /**
     * Where arithmetic runs below flopsPerMs, its share (in (0, 1]; absent: 1): row programs (a lane
     * works through scalars), matmul prologues (evaluated in the tile loads, between barriers).
     */
    arithmetic: t.readonly(t.exact(t.partial({ row: share, prologue: share }))),
    /** The matmul kernels' shares of matmulFlopsPerMs, and their occupancy and prologue costs. */
    matmul: MatmulParamsCodec,
    /** Codegen parameters chosen for this device (absent: codegen's defaults). */
    kernels: KernelParamsCodec,
  }),
);

/**
 * The profile as stored in a file or given by a user: `source` may be absent (the reader names the
 * file). Unknown fields are dropped, so a file from a newer version still loads what this one knows.
 */
export const ProfileDataCodec = t.readonly(t.intersection([t.exact(t.partial({ source: t.string })), constants, parameters]), 'device profile');

/** A DeviceProfile: the TypeScript type is the codec's, so the two cannot drift. */
const DeviceProfileCodec = t.readonly(t.intersection([t.exact(t.type({ /** Where the numbers come from: 'default ...' or the adapter they were measured on. */ source: t.string })), constants, parameters]), 'DeviceProfile');
export interface DeviceProfile extends t.TypeOf<typeof DeviceProfileCodec> {}

/** Codegen's defaults, named so explain can print what a profile without `kernels` gets. */
export const DEFAULT_KERNEL_PARAMS = Object.freeze({
  cell: Object.freeze({ vec4PerThread: 4, scalarPerThread: 8 }),
  reduce: Object.freeze({ layout: 'thread' as const }),
  row: Object.freeze({ minLanes: 2048, cacheMax: 16 }),
  indexing: 'literal' as const,
});

/** The kernel parameters in effect, each with where it came from. */
export function effectiveKernelParams(p: DeviceProfile): {
  readonly cell: { vec4PerThread: number; scalarPerThread: number };
  readonly reduce: { layout: 'thread' | 'group' };
  readonly row: { minLanes: number; cacheMax: number };
  readonly indexing: 'literal' | 'uniform';
  readonly source: 'profile' | 'default';
} {
  const k = p.kernels;
  const d = DEFAULT_KERNEL_PARAMS;
  return {
    cell: { vec4PerThread: k?.cell?.vec4PerThread ?? d.cell.vec4PerThread, scalarPerThread: k?.cell?.scalarPerThread ?? d.cell.scalarPerThread },
    reduce: { layout: k?.reduce?.layout ?? d.reduce.layout },
    row: { minLanes: k?.row?.minLanes ?? d.row.minLanes, cacheMax: k?.row?.cacheMax ?? d.row.cacheMax },
    indexing: k?.indexing ?? d.indexing,
    source: k === undefined ? 'default' : 'profile',
  };
}

/** One line for explain: "cell vec4 x4 / scalar x8 per invocation, reduce thread layout, ...". */
export function describeKernelParams(p: DeviceProfile): string {
  const e = effectiveKernelParams(p);
  return (
    `cell vec4 x${e.cell.vec4PerThread} / scalar x${e.cell.scalarPerThread} per invocation, ` +
    `reduce ${e.reduce.layout} layout, row min lanes ${e.row.minLanes} (cache <= ${e.row.cacheMax}), ${e.indexing} sizes ` +
    `[${e.source === 'profile' ? 'from the profile' : 'codegen defaults'}]`
  );
}

/**
 * Mesa lavapipe (llvmpipe, LLVM 15) through Dawn on a 2-core machine: rounded medians of
 * `fuseplan calibrate` runs on a quiet machine (load average ~1; under a load of ~5 the rates
 * roughly halve, the shares stay close). The tiled matmul rate (5.9 GFLOP/s, re-measured with
 * `fuseplan calibrate --force` after the 8x4-per-invocation vec4-tile kernel replaced the 4x4
 * scalar-tile one, which reached 2.6) is the mean over 256^3 and one-tile products down a long K;
 * the skinny and unfused kernels' shares are relative to it. Kernel parameters: one lane per row for row programs (barriers between
 * phases cost 3-8x on rows of up to a few hundred elements); the rest are codegen's defaults
 * (vec4 x4 and x8 per invocation trade places with size and noise, within 10%).
 */
export const DEFAULT_PROFILE: DeviceProfile = Object.freeze({
  source: 'default (lavapipe, 2 cores)',
  launchMs: 0.058,
  bytesPerMs: 1.22e7,
  flopsPerMs: 7.4e7,
  matmulFlopsPerMs: 5.9e6,
  bandwidth: Object.freeze({ cell: 1, reduce: 0.91, row: 0.48, single: 0.16 }),
  arithmetic: Object.freeze({ row: 0.52, prologue: 0.2 }),
  matmul: Object.freeze({ tiled: 1, skinny: 0.38, single: 0.21, skinnyMinRows: 56, prologueLoadMs: 3.0e-6 }),
  kernels: Object.freeze({ row: Object.freeze({ minLanes: 1 }) }),
});

/**
 * For planning on an uncalibrated GPU (and with no device at all): deliberately modest figures,
 * of the order of an integrated GPU (30 GB/s, 0.5 TFLOP/s of weighted arithmetic, 0.2 TFLOP/s of
 * matmul, 10 µs per dispatch). Not a measurement: they only need the ratios that drive fusion
 * (launch cost against bandwidth, arithmetic against memory) to be right for GPUs, where they differ
 * from a CPU rasterizer's; `fuseplan calibrate` replaces them with the adapter's own numbers.
 * Kernel parameters are codegen's defaults, which are chosen for GPUs (many lanes per row).
 */
export const GENERIC_GPU_PROFILE: DeviceProfile = Object.freeze({
  source: 'generic GPU (uncalibrated)',
  launchMs: 0.01,
  bytesPerMs: 3e7,
  flopsPerMs: 5e8,
  matmulFlopsPerMs: 2e8,
  bandwidth: Object.freeze({ cell: 1, reduce: 0.8, row: 0.5, single: 0.3 }),
  arithmetic: Object.freeze({ row: 0.5, prologue: 0.5 }),
  matmul: Object.freeze({ tiled: 1, skinny: 0.3, single: 0.25, skinnyMinRows: 256, prologueLoadMs: 1e-7 }),
});

/** What profile choice needs to know of an adapter (a runtime's adapterInfo). */
export interface AdapterDescription {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
}

// Software rasterizers WebGPU implementations fall back to: Mesa's lavapipe/llvmpipe, SwiftShader, WARP.
const CPU_ADAPTER = /llvmpipe|lavapipe|swiftshader|microsoft basic render|\bwarp\b|software|\bcpu\b/i;

/** Whether the adapter runs on the CPU (a software rasterizer) rather than a GPU. */
export function isCpuAdapter(a: AdapterDescription): boolean {
  return CPU_ADAPTER.test([a.vendor, a.architecture, a.device, a.description].join(' '));
}

/**
 * The uncalibrated profile for this kind of adapter: lavapipe's measured constants on CPU adapters
 * (the closest measured relative), the generic GPU profile on anything else.
 */
export function genericProfileFor(a: AdapterDescription): DeviceProfile {
  return isCpuAdapter(a) ? DEFAULT_PROFILE : GENERIC_GPU_PROFILE;
}
