/**
 * @module LUKS container: LUKSv1 is accepted (oslo.utils' check; without a passphrase the inner
 * format stays unknown), LUKSv2 is refused. Virtual size = file size minus the payload offset.
 */
import { asciiAt, readRegion, type FormatInspector } from './format.ts'

export const luksInspector: FormatInspector = {
  name: 'luks',
  async inspect(source) {
    const header = await readRegion(source, 0, 592) // fixed header plus the 8 key slots
    if (!header || asciiAt(header, 0, 6) !== 'LUKS\xba\xbe') return undefined
    const version = header.getUint16(6)
    const payloadBytes = header.getUint32(104) * 512
    const safetyProblems = version === 1 ? [] : [`LUKS version ${version} is not supported.`]
    const virtualSize = version === 1 ? source.size - payloadBytes : 0 // LUKSv2 keeps its offsets in JSON
    return { virtualSize: virtualSize > 0 ? virtualSize : null, safetyProblems, encryption: 'luks' }
  },
}
