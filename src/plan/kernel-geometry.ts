/**
 * The shapes of the kernels the code generator emits, shared by the generator (which prints them)
 * and the cost model (which charges what runs): one definition, so the two cannot drift apart.
 */

/**
 * Matmul tiling, measured on lavapipe (mlp 256x256x512 and 512x512x256 products, attention): 64x64
 * tiles with k-steps of 8 and 8x4 outputs per invocation (128 invocations), A and B tiles held as
 * vec4s in workgroup memory, ran the mlp workload in 21 ms against 34 ms for 4x4 blocks over scalar
 * tiles (32x32 tiles or k-steps of 32 were slower still). Products with at most `skinnyN` columns
 * (matrix-vector and skinny products, e.g. X @ w in L2SVM) run one output row per invocation: a
 * 64-wide tile would spend 63/64 of its work on padding.
 */
export const MATMUL_GEOMETRY = Object.freeze({ tileM: 64, tileN: 64, tileK: 8, skinnyN: 4, rowsPerInvocation: 8, colsPerInvocation: 4 });

/**
 * When reductions split into partials: work per workgroup (group layout) or invocation (thread
 * layout) before splitting into chunks, and the number of busy workgroups / invocations at which
 * splitting stops.
 */
export const REDUCE_SPLIT = Object.freeze({ targetThreads: 8192, threadChunk: 2048, targetGroups: 256, groupChunk: 8192 });
