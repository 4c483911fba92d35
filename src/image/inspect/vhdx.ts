/**
 * @module VHDX: "vhdxfile" identifier, then region table (at 192 KiB) → metadata region →
 * "Virtual Disk Size" item, as in [MS-VHDX] and oslo.utils. Only the first region table is
 * read. No safety checks (as oslo.utils). A broken region table or metadata signature means
 * "not vhdx", matching oslo, where a parse error drops the inspector.
 */
import { asciiAt, bytesAt, readRegion, sizeFrom, type FormatInspector } from './format.ts'

const regionTableOffset = 192 * 1024
const tableBytes = 64 * 1024 // region table and metadata table are 64 KiB each
const maxEntries = 2047
const metadataRegionGuid = guidBytes('8B7CA206-4790-4B9A-B8FE-575F050F886E')
const virtualDiskSizeGuid = guidBytes('2FA54224-CD1B-4876-B211-5DBED83BF4B8')

export const vhdxInspector: FormatInspector = {
  name: 'vhdx',
  async inspect(source) {
    const ident = await readRegion(source, 0, 8)
    if (!ident || asciiAt(ident, 0, 8) !== 'vhdxfile') return undefined

    const found = { virtualSize: null, safetyProblems: [] } // the identifier alone makes it vhdx
    const regions = await readRegion(source, regionTableOffset, tableBytes)
    if (!regions) return found
    if (asciiAt(regions, 0, 4) !== 'regi') return undefined
    const regionCount = regions.getUint32(8, true)
    if (regionCount > maxEntries) return undefined
    let metadataOffset: number | undefined
    for (let entry = 16; entry < 16 + regionCount * 32 && metadataOffset === undefined; entry += 32) {
      if (sameBytes(bytesAt(regions, entry, 16), metadataRegionGuid)) {
        metadataOffset = Number(regions.getBigUint64(entry + 16, true))
      }
    }
    if (metadataOffset === undefined || metadataOffset >= source.size) return found

    const metadata = await readRegion(source, metadataOffset, Math.min(tableBytes, source.size - metadataOffset))
    if (!metadata || metadata.byteLength < 32) return found
    if (asciiAt(metadata, 0, 8) !== 'metadata') return undefined
    const itemCount = metadata.getUint16(10, true)
    if (itemCount > maxEntries) return undefined
    if (metadata.byteLength < 32 + itemCount * 32) return found
    for (let item = 32; item < 32 + itemCount * 32; item += 32) {
      if (!sameBytes(bytesAt(metadata, item, 16), virtualDiskSizeGuid)) continue
      const value = await readRegion(source, metadataOffset + metadata.getUint32(item + 16, true), 8)
      if (!value) return found
      const safetyProblems: string[] = []
      return { virtualSize: sizeFrom(value.getBigUint64(0, true), safetyProblems), safetyProblems }
    }
    return found
  },
}

/** A Microsoft GUID as stored on disk: the first three groups little-endian, the rest as written. */
function guidBytes(text: string): Uint8Array {
  const hex = text.replaceAll('-', '')
  const bytes = Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16))
  const [a, b, c, rest] = [bytes.subarray(0, 4), bytes.subarray(4, 6), bytes.subarray(6, 8), bytes.subarray(8)]
  return Uint8Array.from([...a.reverse(), ...b.reverse(), ...c.reverse(), ...rest])
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}
