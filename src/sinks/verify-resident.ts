import { createHash } from 'node:crypto';
import { DataError } from '../errors.js';
import { inputsOf, type FileCache } from '../io/inputs/file-cache.js';
import { parameterChunks } from '../scheduler/parameter-chunks.js';
import { littleEndian } from '../model/byte-order.js';
import { residentKey, type DeviceLoad } from './device-loader.js';

/** The most read back from a device at once: a parameter of 2 GiB or more is hashed in parts. */
const READ_BACK_BYTES = 16 * 2 ** 20;

/**
 * Reads every loaded parameter back from the device and compares its sha256
 * with its source's bytes (as loaded: byte order swapped where it was); the
 * first that differs is an error. Returns how many were checked.
 */
export async function verifyResident(load: DeviceLoad, inputs?: FileCache): Promise<number> {
  const { files, done } = inputsOf({ inputs });
  try {
    for (const p of load.order) {
      const place = load.placements.get(residentKey(p))!;
      const expected = createHash('sha256');
      for await (const chunk of parameterChunks(littleEndian(p), files, load.scheduler)) expected.update(chunk);
      const want = expected.digest('hex');
      const resident = createHash('sha256');
      for (let done = 0; done < place.length; done += READ_BACK_BYTES) {
        resident.update(await load.device.read(place.buffer, place.offset + done, Math.min(READ_BACK_BYTES, place.length - done)));
      }
      const got = resident.digest('hex');
      if (want !== got) throw new DataError(`parameter ${residentKey(p)} on the ${load.device.backend} device has sha256 ${got}, its source ${want}`);
    }
  } finally {
    await done();
  }
  return load.order.length;
}
