/**
 * @module qcow2 (QEMU copy-on-write), header layout from qemu docs/interop/qcow2.txt. Refused as
 * oslo.utils does: a backing file, an external data file, incompatible feature bits above 3
 * (oslo stops at compression_type, so extended_l2 is refused too), versions other than 2 and 3.
 * Beyond oslo: the data-file header extension alone is refused, and v2 images (which have no
 * feature field) are not checked for feature bits that are not there.
 */
import { asciiAt, readRegion, sizeFrom, type ByteSource, type FormatInspector, type FormatMatch } from './format.ts'

const headerBytes = 512 // oslo wants this much before it decides
const knownIncompatibleBits = 4 // dirty, corrupt, external data file, compression type
const dataFileBit = 1n << 2n
const extensionDataFile = 0x44415441
const encryptionMethods: Record<number, 'aes' | 'luks'> = { 1: 'aes', 2: 'luks' }

export const qcow2Inspector: FormatInspector = {
  name: 'qcow2',
  async inspect(source: ByteSource): Promise<FormatMatch | undefined> {
    const header = await readRegion(source, 0, headerBytes)
    if (!header || asciiAt(header, 0, 4) !== 'QFI\xfb') return undefined
    const safetyProblems: string[] = []
    const version = header.getUint32(4)
    const clusterBits = header.getUint32(20)
    const virtualSize = sizeFrom(header.getBigUint64(24), safetyProblems)
    const cryptMethod = header.getUint32(32)

    if (header.getBigUint64(8) !== 0n) safetyProblems.push('Image has a backing file.')
    if (version === 3) {
      const incompatible = header.getBigUint64(72)
      if (incompatible & dataFileBit) safetyProblems.push('Image has data_file set.')
      const unknown = incompatible >> BigInt(knownIncompatibleBits)
      if (unknown !== 0n) {
        const bits = [...Array(64).keys()].filter((bit) => bit >= knownIncompatibleBits && (incompatible >> BigInt(bit)) & 1n)
        safetyProblems.push(`Unknown QCOW2 features found (incompatible feature bits ${bits.join(', ')}).`)
      }
    } else if (version !== 2) {
      safetyProblems.push(`Unsupported qcow2 version ${version}.`)
    }
    if (cryptMethod !== 0 && !encryptionMethods[cryptMethod]) {
      safetyProblems.push(`Unknown qcow2 encryption method ${cryptMethod}.`)
    }
    if ((version === 2 || version === 3) && clusterBits >= 9 && clusterBits <= 21) {
      const headerLength = version === 3 ? header.getUint32(100) : 72
      if (await namesDataFile(source, headerLength, 1 << clusterBits)) {
        safetyProblems.push('Image has a data file header extension.')
      }
    }
    return { virtualSize, safetyProblems, ...(cryptMethod ? { encryption: encryptionMethods[cryptMethod] } : {}) }
  },
}

/** Walks the header extensions, which qemu keeps within the first cluster. */
async function namesDataFile(source: ByteSource, start: number, clusterBytes: number): Promise<boolean> {
  const end = Math.min(clusterBytes, source.size)
  if (start < 72 || start + 8 > end) return false
  const area = await readRegion(source, 0, end)
  if (!area) return false
  for (let offset = start; offset + 8 <= end; ) {
    const type = area.getUint32(offset)
    const length = area.getUint32(offset + 4)
    if (type === 0) return false
    if (type === extensionDataFile) return true
    offset += 8 + Math.ceil(length / 8) * 8
  }
  return false
}
