/**
 * @module VHD (qemu "vpc"): the 512-byte footer copy at the start of a dynamic disk. Like oslo.utils
 * and qemu's probe, only the start is read, so a fixed VHD (footer at the end only) looks raw.
 * No safety checks: the format cannot point outside itself (differencing disks are not probed here).
 */
import { asciiAt, readRegion, sizeFrom, type FormatInspector } from './format.ts'

export const vhdInspector: FormatInspector = {
  name: 'vhd',
  async inspect(source) {
    const magic = await readRegion(source, 0, 8)
    if (!magic || asciiAt(magic, 0, 8) !== 'conectix') return undefined
    const footer = await readRegion(source, 0, 512)
    const safetyProblems: string[] = []
    // Offset 40 is the "original size" field, the one oslo.utils reports.
    const virtualSize = footer ? sizeFrom(footer.getBigUint64(40), safetyProblems) : null
    return { virtualSize: virtualSize || null, safetyProblems }
  },
}
