/**
 * The constants of the cost model. The default describes Mesa lavapipe on a 2-core machine
 * (shared/docs/environment.md: ~40 us per dispatch, 7-12 GB/s for vec4 streaming kernels, about
 * 20 G weighted flop/s for exp(-(a*b+1)) at that bandwidth);
 * `fuseplan calibrate` measures them on the actual adapter.
 */
export interface DeviceProfile {
  /** Where the numbers come from: 'default' or the adapter they were measured on. */
  readonly source: string;
  /** Fixed cost of one dispatch, in ms. */
  readonly launchMs: number;
  /** Sustained bytes per ms a streaming kernel reaches (read + write together). */
  readonly bytesPerMs: number;
  /** Weighted arithmetic ops per ms (an add or multiply weighs 1, exp 18; see src/ir/ops.ts). */
  readonly flopsPerMs: number;
  /** Multiply-adds per ms a tiled matmul reaches (counted as 2 flops each). */
  readonly matmulFlopsPerMs: number;
}

export const DEFAULT_PROFILE: DeviceProfile = Object.freeze({
  source: 'default (lavapipe-like, 2 cores)',
  launchMs: 0.04,
  bytesPerMs: 1e7,
  flopsPerMs: 2e7,
  matmulFlopsPerMs: 5e6,
});
