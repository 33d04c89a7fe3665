/**
 * WebGPU's flag values, fixed by the spec. Spelled out here because the GPUBufferUsage etc.
 * globals exist in browsers but in Node only after copying Dawn's `globals` onto globalThis, which
 * the runtime does not do (it would leak Dawn classes into the user's global scope).
 */
export const BufferUsage = {
  MAP_READ: 0x0001,
  MAP_WRITE: 0x0002,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  QUERY_RESOLVE: 0x0200,
} as const;

export const MapMode = { READ: 0x0001, WRITE: 0x0002 } as const;

export const ShaderStage = { COMPUTE: 0x4 } as const;

/** Every buffer offset and size WebGPU copies or maps must be a multiple of 4. */
export const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;
