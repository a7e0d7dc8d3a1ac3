/// <reference types="@webgpu/types" />
import { createRequire } from 'node:module';
import { DataError, UsageError } from '../errors.js';
import { fillWithPattern } from '../model/fill-pattern.js';
import type { Device, DeviceBuffer } from './device.js';

/** Bytes of the pattern block a non-zero fill copies from (a multiple of every splat pattern length). */
const PATTERN_BLOCK = 64 * 1024;
const roundUp4 = (n: number) => Math.ceil(n / 4) * 4;

class GpuBuffer implements DeviceBuffer {
  constructor(
    readonly buffer: GPUBuffer,
    readonly size: number,
  ) {}
}

type WebGpuModule = { create(options: string[]): GPU; globals: Record<string, unknown> };

function loadModule(): WebGpuModule {
  // Mesa's EGL needs no display when told so; set before Dawn loads.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  try {
    return createRequire(import.meta.url)('webgpu') as WebGpuModule;
  } catch (error) {
    // Dawn's bindings are large (about 130 MB) and only this device needs them: they are not installed by default.
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
      throw new UsageError("--device=webgpu needs the 'webgpu' package (Dawn for Node), which is not installed with paramflow: add it with 'npm install webgpu' beside paramflow");
    }
    throw new UsageError(`--device=webgpu needs the 'webgpu' package (Dawn for Node), which did not load: ${(error as Error).message}`);
  }
}

/**
 * A GPU through WebGPU (Dawn's Node bindings). Tries Dawn's default backend
 * (Vulkan, Metal or D3D12), then OpenGL ES, which Mesa's software renderer
 * provides on machines with no GPU. Uploads use `queue.writeBuffer`, which
 * copies the bytes when called, so a staging buffer is free again at once.
 */
export class WebGpuDevice implements Device {
  readonly backend = 'webgpu';
  readonly offsetAlignment: number;
  readonly maxBufferSize: number;
  private patternBuffers = new Map<string, GPUBuffer>();

  private constructor(
    // Dawn aborts the process if the object create() returned is collected while a device lives.
    private readonly gpu: GPU,
    private readonly device: GPUDevice,
    readonly description: string,
  ) {
    this.offsetAlignment = Math.max(256, device.limits.minStorageBufferOffsetAlignment);
    this.maxBufferSize = device.limits.maxBufferSize;
  }

  static async open(): Promise<WebGpuDevice> {
    const module = loadModule();
    Object.assign(globalThis, module.globals);
    const attempts: [string[], GPURequestAdapterOptions][] = [
      [[], {}],
      [['backend=opengles'], { featureLevel: 'compatibility' }],
    ];
    const failures: string[] = [];
    for (const [flags, options] of attempts) {
      const gpu = module.create(flags);
      const adapter = await gpu.requestAdapter(options).catch((error: Error) => (failures.push(error.message), null));
      if (!adapter) {
        failures.push(`no adapter with ${flags.join(' ') || 'the default backend'}`);
        continue;
      }
      const device = await adapter.requestDevice({ requiredLimits: { maxBufferSize: adapter.limits.maxBufferSize, maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize } });
      const info = adapter.info;
      const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
      return new WebGpuDevice(gpu, device, `${name} (${flags.join(' ') || 'default backend'})`);
    }
    throw new DataError(
      `--device=webgpu: no GPU adapter (${failures.join('; ')}). On a machine without a GPU, install Mesa's software drivers (Debian: libegl-mesa0 libgl1-mesa-dri libgles2) or use --device=host`,
    );
  }

  createBuffer(size: number): GpuBuffer {
    const rounded = roundUp4(size);
    return new GpuBuffer(this.device.createBuffer({ size: rounded, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC }), rounded);
  }

  upload(buffer: DeviceBuffer, offset: number, bytes: Uint8Array): void {
    // WebGPU copies whole 4-byte words; the bytes past a parameter's end are its padding.
    const data = bytes.length % 4 === 0 ? bytes : padded(bytes);
    this.device.queue.writeBuffer((buffer as GpuBuffer).buffer, offset, data.buffer, data.byteOffset, data.length);
  }

  fill(buffer: DeviceBuffer, offset: number, length: number, pattern: Uint8Array): void {
    const target = (buffer as GpuBuffer).buffer;
    const size = Math.min(roundUp4(length), buffer.size - offset);
    const encoder = this.device.createCommandEncoder();
    if (pattern.every((b) => b === 0)) encoder.clearBuffer(target, offset, size);
    else {
      const source = this.patternBuffer(pattern);
      for (let done = 0; done < size; done += PATTERN_BLOCK) encoder.copyBufferToBuffer(source, 0, target, offset + done, Math.min(PATTERN_BLOCK, size - done));
    }
    this.device.queue.submit([encoder.finish()]);
  }

  async drain(): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
  }

  async read(buffer: DeviceBuffer, offset: number, length: number): Promise<Uint8Array> {
    const size = Math.min(roundUp4(length), buffer.size - offset);
    const staging = this.device.createBuffer({ size: roundUp4(size), usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    try {
      const encoder = this.device.createCommandEncoder();
      encoder.copyBufferToBuffer((buffer as GpuBuffer).buffer, offset, staging, 0, size);
      this.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      return new Uint8Array(staging.getMappedRange()).slice(0, length);
    } finally {
      staging.destroy();
    }
  }

  destroy(): void {
    for (const b of this.patternBuffers.values()) b.destroy();
    this.patternBuffers.clear();
    this.device.destroy();
    void this.gpu;
  }

  /** A block of `pattern` repeated, made once per pattern. */
  private patternBuffer(pattern: Uint8Array): GPUBuffer {
    const key = Buffer.from(pattern).toString('hex');
    let block = this.patternBuffers.get(key);
    if (!block) {
      block = this.device.createBuffer({ size: PATTERN_BLOCK, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      const bytes = fillWithPattern(new Uint8Array(PATTERN_BLOCK), pattern);
      this.device.queue.writeBuffer(block, 0, bytes.buffer, bytes.byteOffset, bytes.length);
      this.patternBuffers.set(key, block);
    }
    return block;
  }
}

function padded(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(roundUp4(bytes.length));
  out.set(bytes);
  return out;
}
