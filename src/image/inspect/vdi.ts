/** @module VirtualBox VDI: magic 0xbeda107f at 0x40, disk size at 0x170 (little-endian). No safety checks (as oslo.utils). */
import { readRegion, sizeFrom, type FormatInspector } from './format.ts'

export const vdiInspector: FormatInspector = {
  name: 'vdi',
  async inspect(source) {
    const header = await readRegion(source, 0, 512)
    if (!header || header.getUint32(0x40, true) !== 0xbeda107f) return undefined
    const safetyProblems: string[] = []
    const virtualSize = sizeFrom(header.getBigUint64(0x170, true), safetyProblems)
    return { virtualSize: virtualSize || null, safetyProblems }
  },
}
