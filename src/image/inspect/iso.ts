/**
 * @module ISO 9660 / UDF: the volume descriptor after the 32 KiB system area ("CD001", "NSR02" or
 * "NSR03" at 0x8001). Virtual size = volume space size × logical block size, read from a primary
 * volume descriptor only. No safety checks (as oslo.utils).
 */
import { asciiAt, readRegion, type FormatInspector } from './format.ts'

const systemAreaBytes = 32 * 1024
const signatures = new Set(['CD001', 'NSR02', 'NSR03'])

export const isoInspector: FormatInspector = {
  name: 'iso',
  async inspect(source) {
    const descriptor = await readRegion(source, systemAreaBytes, 2048)
    if (!descriptor || !signatures.has(asciiAt(descriptor, 1, 5))) return undefined
    const isPrimary = descriptor.getUint8(0) === 1
    // Both fields are stored twice (little- then big-endian); the little-endian half is enough.
    const virtualSize = isPrimary ? descriptor.getUint32(80, true) * descriptor.getUint16(128, true) : 0
    return { virtualSize: virtualSize || null, safetyProblems: [] }
  },
}
