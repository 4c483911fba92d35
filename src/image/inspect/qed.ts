/** @module QED: recognised only to be refused, as oslo.utils does (nothing uses it, nobody checks it). */
import { asciiAt, readRegion, type FormatInspector } from './format.ts'

export const qedInspector: FormatInspector = {
  name: 'qed',
  async inspect(source) {
    const header = await readRegion(source, 0, 512)
    if (!header || asciiAt(header, 0, 4) !== 'QED\0') return undefined
    return { virtualSize: null, safetyProblems: ['This file format is not allowed.'] }
  },
}
