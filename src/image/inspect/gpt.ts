/**
 * @module GPT / MBR partitioned disks: a raw disk with a boot-sector signature. Glance treats these
 * as raw but still runs oslo.utils' "mbr" check on the partition table, so a raw upload with a
 * malformed MBR is refused. A FAT boot sector (same signature) is not a partition table.
 */
import { readRegion, type FormatInspector } from './format.ts'

const partitionTable = 446
const gptProtective = 0xee

export const gptInspector: FormatInspector = {
  name: 'gpt',
  async inspect(source) {
    const mbr = await readRegion(source, 0, 512)
    if (!mbr || mbr.getUint16(510, true) !== 0xaa55) return undefined
    const isFat = mbr.getUint8(0x10) === 2 && mbr.getUint8(0x15) === 0xf8 // two FATs, fixed-disk media
    if (isFat) return undefined
    return { virtualSize: source.size || null, safetyProblems: checkPartitions(mbr) }
  },
}

function checkPartitions(mbr: DataView): string[] {
  const used: number[] = []
  let hasGpt = false
  for (let i = 0; i < 4; i++) {
    const entry = partitionTable + 16 * i
    const boot = mbr.getUint8(entry)
    const type = mbr.getUint8(entry + 4)
    if (boot !== 0x00 && boot !== 0x80) return [`MBR PTE ${i} has invalid boot flag.`]
    if (type !== 0) used.push(i)
    if (type === gptProtective) {
      hasGpt = true
      const startChs = [mbr.getUint8(entry + 1), mbr.getUint8(entry + 2), mbr.getUint8(entry + 3)]
      if (startChs.join() !== '0,2,0') return ['GPT MBR has invalid start CHS.']
      if (mbr.getUint32(entry + 8, true) !== 1) return ['GPT MBR has invalid start LBA.']
    }
  }
  if (hasGpt && used.join() !== '0') return ['GPT MBR defines invalid extra partitions.']
  if (used.length === 0) return ['GPT MBR has no partitions defined.']
  return []
}
