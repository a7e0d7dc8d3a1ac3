/// <reference types="@webgpu/types" />
/**
 * The two ways to upload to a WebGPU device, on the same bytes: `queue.writeBuffer`
 * (what paramflow uses) and a ring of mapped staging buffers copied with
 * `copyBufferToBuffer`. Used by bench/load for --device=webgpu.
 */
import { createRequire } from 'node:module';
import { bestSeconds } from './lib.js';

type WebGpuModule = { create(options: string[]): GPU; globals: Record<string, unknown> };

export async function compareUploads(totalBytes: number, chunkBytes: number, runs: number): Promise<{ writeBuffer: number; mappedStaging: number; adapter: string }> {
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const module = createRequire(import.meta.url)('webgpu') as WebGpuModule;
  Object.assign(globalThis, module.globals);
  let gpu = module.create([]);
  let adapter = await gpu.requestAdapter();
  if (!adapter) {
    gpu = module.create(['backend=opengles']);
    adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' });
  }
  if (!adapter) throw new Error('no WebGPU adapter');
  const device = await adapter.requestDevice({ requiredLimits: { maxBufferSize: adapter.limits.maxBufferSize } });
  const arena = Math.min(totalBytes, 256 * 2 ** 20);
  const target = device.createBuffer({ size: arena, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const source = new Uint8Array(chunkBytes).fill(7);
  const writeBuffer = await bestSeconds(runs, async () => {
    for (let at = 0; at < totalBytes; at += chunkBytes) device.queue.writeBuffer(target, at % arena, source, 0, Math.min(chunkBytes, arena - (at % arena)));
    await device.queue.onSubmittedWorkDone();
  });
  const ring = Array.from({ length: 4 }, () => device.createBuffer({ size: chunkBytes, usage: GPUBufferUsage.MAP_WRITE | GPUBufferUsage.COPY_SRC, mappedAtCreation: true }));
  const mappedStaging = await bestSeconds(runs, async () => {
    let i = 0;
    for (let at = 0; at < totalBytes; at += chunkBytes, ++i) {
      const staging = ring[i % ring.length]!;
      if (i >= ring.length) await staging.mapAsync(GPUMapMode.WRITE);
      new Uint8Array(staging.getMappedRange()).set(source);
      staging.unmap();
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(staging, 0, target, at % arena, Math.min(chunkBytes, arena - (at % arena)));
      device.queue.submit([encoder.finish()]);
    }
    await device.queue.onSubmittedWorkDone();
    // Leave every staging buffer mapped again for the next run.
    await Promise.all(ring.map((b) => (b.mapState === 'unmapped' ? b.mapAsync(GPUMapMode.WRITE) : undefined)));
  });
  const info = adapter.info;
  device.destroy();
  void gpu;
  return { writeBuffer, mappedStaging, adapter: [info.vendor, info.device, info.description].filter(Boolean).join(' ') };
}
