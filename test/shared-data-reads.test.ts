// The Wine lane's driver images never read KUSER_SHARED_DATA at its kernel address
// (0xFFFFF78000000000), which is what the WDK's inline KeQueryInterruptTime, KeQueryTickCount and
// KeQuerySystemTime compile to on x64. Under Wine that address is not mapped: each read faults and
// ntoskrnl emulates it in a vectored handler, a signal and an exception dispatch per read. One per
// traced event kept about half of winedevice's dispatch thread in that handler and capped every
// client of the device, so the driver reads its clock through MhInterruptTime (driver/ddi/mh_kernel.h).
// Valid in the Wine lane only: a WDK build reads the address on purpose, where it is a plain load.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lane, root } from './helpers';

const kernelSharedData = 0xfffff78000000000n;
const sharedDataSize = 0x1000n;

/** The file ranges of a PE image's executable sections. */
function codeSections(image: Buffer): { raw: number; size: number }[] {
  const pe = image.readUInt32LE(0x3c);
  if (image.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new Error('not a PE image');
  const table = pe + 24 + image.readUInt16LE(pe + 20);
  const sections = [];
  for (let i = 0; i < image.readUInt16LE(pe + 6); i++) {
    const header = table + 40 * i;
    if (image.readUInt32LE(header + 36) & 0x20000000) {        // IMAGE_SCN_MEM_EXECUTE
      sections.push({ raw: image.readUInt32LE(header + 20), size: image.readUInt32LE(header + 16) });
    }
  }
  return sections;
}

/** File offsets of the 8-byte values in code that address KUSER_SHARED_DATA in kernel space. */
function sharedDataReads(image: Buffer): number[] {
  const found: number[] = [];
  for (const { raw, size } of codeSections(image)) {
    for (let at = raw; at + 8 <= Math.min(raw + size, image.length); at++) {
      const value = image.readBigUInt64LE(at);
      if (value >= kernelSharedData && value < kernelSharedData + sharedDataSize) found.push(at);
    }
  }
  return found;
}

const images = (): string[] => {
  const dir = path.join(root, 'build', 'driver');
  return fs.readdirSync(dir).filter((name) => name.endsWith('.sys')).map((name) => path.join(dir, name));
};

describe('the driver images of the Wine lane', () => {
  // Both cases need the lane's images (on Windows the WDK build puts its own elsewhere, and reads the
  // address on purpose); the first checks that the scan the second relies on can find anything.
  it.skipIf(lane !== 'wine')('the scan finds the WDK inline\'s load (movabs rax, 0xFFFFF78000000008) in code', () => {
    // A copy of the first image, with the instruction written over the start of its first code section.
    const image = Buffer.from(fs.readFileSync(images()[0]));
    const code = codeSections(image)[0].raw;
    image[code] = 0x48;
    image[code + 1] = 0xb8;
    image.writeBigUInt64LE(0xfffff78000000008n, code + 2);
    expect(sharedDataReads(image)).toContain(code + 2);
  });

  it.skipIf(lane !== 'wine')('no image reads KUSER_SHARED_DATA at its kernel address (an emulated fault per read under Wine)', () => {
    const list = images();
    expect(list.length).toBeGreaterThan(1);
    const offenders = list.map((file) => ({ image: path.basename(file), offsets: sharedDataReads(fs.readFileSync(file)) }))
      .filter((entry) => entry.offsets.length > 0);
    expect(offenders).toEqual([]);
  });
});
