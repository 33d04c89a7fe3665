/**
 * Issue 7, part 3: device failures. Losing the device (simulated with device.destroy(), which is
 * what WebGPU reports for a real loss too, with another reason) and GPU errors caught by the error
 * scopes become FuseplanError('device'); no output of a failed run is returned; a new runtime
 * works. Out-of-memory is injected into the error scope: lavapipe allocates lazily, so a real OOM
 * would mean committing gigabytes of a shared machine's memory (docs/reliability.md).
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/api/compile.js';
import { f32, model } from '../../src/dsl/index.js';
import { FuseplanError } from '../../src/ir/errors.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';

const m = model('m', { x: f32(['N']) }, ({ x }) => ({ y: x.exp().add(1), s: x.sum() }));
const small = compile(m, { dims: { N: 8 } });
const x8 = Float32Array.from([0, 0, 0, 0, 0, 0, 0, 0]);

async function failure(p: Promise<unknown>): Promise<FuseplanError> {
  const r = await p.then(
    (v) => ({ ok: true as const, v }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  if (r.ok) throw new Error(`expected a failed run, got outputs ${JSON.stringify(r.v)}`);
  expect(r.e).toBeInstanceOf(FuseplanError);
  return r.e as FuseplanError;
}

async function expectWorks(rt: Runtime): Promise<void> {
  const { outputs } = await rt.run(small, { x: x8 });
  expect(Array.from(outputs.y!)).toEqual([2, 2, 2, 2, 2, 2, 2, 2]);
  expect(outputs.s![0]).toBe(0);
}

describe('device loss', () => {
  it('a device destroyed under the runtime fails every later run with FuseplanError(device); a new runtime works', async () => {
    const rt = await createRuntime();
    try {
      await expectWorks(rt);
      rt.device.destroy();
      const e = await failure(rt.run(small, { x: x8 }));
      expect(e.code).toBe('device');
      expect(e.message).toMatch(/device lost \(destroyed outside the runtime\).*create a new runtime/);
      // It stays failed (no half-working state), and input errors still come first as input errors.
      expect((await failure(rt.run(small, { x: x8 }))).code).toBe('device');
      expect(rt.stats().liveBuffers).toBe(0);
    } finally {
      rt.destroy();
    }
    const fresh = await createRuntime();
    try {
      await expectWorks(fresh);
    } finally {
      fresh.destroy();
    }
  });

  it('a device lost while a run is in flight rejects that run instead of returning its outputs', async () => {
    const rt = await createRuntime();
    try {
      const n = 1 << 21;
      const big = compile(m, { dims: { N: n }, limits: rt.limits });
      await rt.run(big, { x: new Float32Array(n) }); // pipelines compiled, so the next run gets to the GPU quickly
      // Lose the device right after the run's work is submitted, before its outputs are read.
      const queue = rt.device.queue as GPUQueue & { submit: GPUQueue['submit'] };
      const submit = queue.submit.bind(queue);
      let submitted = 0;
      queue.submit = (buffers) => {
        submitted++;
        submit(buffers);
        rt.device.destroy();
      };
      const pending = rt.run(big, { x: new Float32Array(n) });
      const e = await failure(pending);
      expect(e.code).toBe('device');
      expect(e.message).toContain('device lost');
      expect(submitted).toBe(1);
    } finally {
      rt.destroy();
    }
  });

  it('GPU tensors of a lost device: runs and read() fail with FuseplanError(device); dispose() stays harmless', async () => {
    const rt = await createRuntime();
    try {
      const x = await rt.upload(x8, [8]);
      const { gpu } = await rt.run(small, { x }, { outputs: 'gpu' });
      expect(Array.from(await gpu!.y!.read())).toEqual([2, 2, 2, 2, 2, 2, 2, 2]);
      rt.device.destroy();
      expect((await failure(rt.run(small, { x }))).message).toContain('device lost');
      const e = await failure(gpu!.y!.read());
      expect(e.code).toBe('device');
      expect(e.message).toContain('device lost');
      for (const t of [x, gpu!.y!, gpu!.s!]) t.dispose();
      expect(rt.stats()).toMatchObject({ liveBuffers: 0, tensors: 0 });
    } finally {
      rt.destroy();
    }
  });

  it('a destroyed runtime refuses work with FuseplanError(device)', async () => {
    const rt = await createRuntime();
    rt.destroy();
    const e = await failure(rt.run(small, { x: x8 }));
    expect(e.code).toBe('device');
    expect(e.message).toContain('after destroy()');
  });
});

describe('GPU errors caught by the error scopes', () => {
  // What Dawn hands popErrorScope for an allocation it cannot satisfy (matched by class name).
  class GPUOutOfMemoryError {
    constructor(readonly message: string) {}
  }

  /** Makes the next run's error scope report `err`, as if the GPU had raised it during the run. */
  function inject(rt: Runtime, err: object): void {
    const device = rt.device as GPUDevice & { popErrorScope: GPUDevice['popErrorScope'] };
    const real = device.popErrorScope.bind(device);
    let armed = true;
    device.popErrorScope = () =>
      real().then((e) => {
        if (!armed) return e;
        armed = false;
        return err as GPUError;
      });
  }

  it('out of memory during a run: FuseplanError(device), nothing returned, nothing leaked, next run fine', async () => {
    const rt = await createRuntime();
    try {
      await expectWorks(rt); // pipelines cached: the injected error hits the run's scopes, not a compile
      const before = rt.stats();
      inject(rt, new GPUOutOfMemoryError('Out of memory allocating buffer "x" (fake)'));
      const e = await failure(rt.run(small, { x: x8 }));
      expect(e.code).toBe('device');
      expect(e.message).toMatch(/^run: out of memory: Out of memory allocating buffer "x"/);
      expect(rt.stats().liveBuffers).toBe(before.liveBuffers);
      expect(rt.stats().liveBytes).toBe(before.liveBytes);
      await expectWorks(rt);
    } finally {
      rt.destroy();
    }
  });

  it('a failed run that would have kept outputs on the GPU keeps nothing: no tensor, no buffer', async () => {
    const rt = await createRuntime();
    try {
      await expectWorks(rt);
      const before = rt.stats();
      inject(rt, new GPUOutOfMemoryError('Out of memory (fake)'));
      const e = await failure(rt.run(small, { x: x8 }, { outputs: 'gpu' }));
      expect(e.code).toBe('device');
      expect(rt.stats()).toMatchObject({ liveBuffers: before.liveBuffers, liveBytes: before.liveBytes, tensors: 0 });
      await expectWorks(rt);
    } finally {
      rt.destroy();
    }
  });

  it('a validation error naming a kernel label is attributed to that kernel', async () => {
    const rt = await createRuntime();
    try {
      await expectWorks(rt);
      const label = small.executable.kernels[0]!.label;
      inject(rt, { message: `[ComputePassEncoder "${label}"] is invalid (fake)` });
      const e = await failure(rt.run(small, { x: x8 }));
      expect(e.code).toBe('device');
      expect(e.message).toContain(`kernel "${label}": validation error`);
      await expectWorks(rt);
    } finally {
      rt.destroy();
    }
  });
});
