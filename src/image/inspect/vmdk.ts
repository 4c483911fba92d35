/**
 * @module VMDK, checked as oslo.utils does: only the single-file subformats monolithicSparse and
 * streamOptimized are accepted; the embedded descriptor must parse line by line, name at least
 * one extent, and no extent may contain "/" (a path to a host file). A text-only descriptor
 * (monolithicFlat, twoGbMaxExtent*, vmfs, ...) always names other files and is refused. A
 * streamOptimized footer (grain directory "at end") must agree with the header.
 */
import { asciiAt, bytesAt, readRegion, sizeFrom, type ByteSource, type FormatInspector, type FormatMatch } from './format.ts'

const sparseHeaderBytes = 64
const descriptorOffset = 0x200 // qemu hard-codes it too
const descriptorMaxBytes = (1 << 20) - 1
const gdAtEnd = 0xffff_ffff_ffff_ffffn
const allowedTypes = new Set(['monolithicsparse', 'streamoptimized'])
const extentAccess = new Set(['rw', 'rdonly', 'noaccess'])

type SparseHeader = {
  signature: string
  version: number
  capacitySectors: bigint
  descSector: bigint
  descSectors: bigint
  gdOffset: bigint
}

export const vmdkInspector: FormatInspector = {
  name: 'vmdk',
  async inspect(source: ByteSource): Promise<FormatMatch | undefined> {
    const head = await source.read(0, 512)
    if (head.length < sparseHeaderBytes) return undefined
    const header = parseSparseHeader(new DataView(head.buffer, head.byteOffset, head.length))
    if (header.signature !== 'KDMV') {
      if (!isText(head)) return undefined
      const text = await source.read(0, descriptorMaxBytes)
      const descriptor = parseDescriptor(text)
      if (!descriptor || descriptor.createType === undefined) return undefined
      const problem = checkDescriptor(descriptor) ?? 'VMDK descriptor file without a sparse header: its extents are other files.'
      return { virtualSize: null, safetyProblems: [problem] }
    }
    if (![1, 2, 3].includes(header.version)) return undefined
    if (header.descSector * 512n !== BigInt(descriptorOffset)) return undefined

    const safetyProblems: string[] = []
    const wanted = Math.min(Number(header.descSectors) * 512, descriptorMaxBytes)
    const text = await source.read(descriptorOffset, wanted)
    if (text.length < wanted) safetyProblems.push('VMDK descriptor is truncated.')
    const descriptor = parseDescriptor(text)
    const problem = checkDescriptor(descriptor)
    if (problem) safetyProblems.push(problem)
    if (header.gdOffset === gdAtEnd) {
      const footerProblem = await checkFooter(source, header)
      if (footerProblem) safetyProblems.push(footerProblem)
    }
    const isAllowed = descriptor?.createType !== undefined && allowedTypes.has(descriptor.createType)
    const virtualSize = isAllowed ? sizeFrom(header.capacitySectors * 512n, safetyProblems) : null
    return { virtualSize, safetyProblems }
  },
}

function parseSparseHeader(view: DataView, offset = 0): SparseHeader {
  return {
    signature: asciiAt(view, offset, 4),
    version: view.getUint32(offset + 4, true),
    capacitySectors: view.getBigUint64(offset + 12, true),
    descSector: view.getBigUint64(offset + 28, true),
    descSectors: view.getBigUint64(offset + 36, true),
    gdOffset: view.getBigUint64(offset + 56, true),
  }
}

/** ASCII printable or whitespace (Python's isprintable/isspace, which oslo uses), so probably a descriptor file. */
function isText(bytes: Uint8Array): boolean {
  return bytes.every((b) => (b >= 0x20 && b <= 0x7e) || (b >= 0x09 && b <= 0x0d) || (b >= 0x1c && b <= 0x1f))
}

/** Lower-cased descriptor text (VMDK descriptors are case-insensitive) and its createType, if any. */
function parseDescriptor(bytes: Uint8Array): { text: string; createType?: string } | undefined {
  const nul = bytes.indexOf(0)
  const used = nul === -1 ? bytes : bytes.subarray(0, nul)
  if (used.some((b) => b > 0x7f)) return undefined
  const text = Buffer.from(used).toString('latin1').toLowerCase()
  const start = text.indexOf('createtype="')
  if (start === -1) return { text }
  const valueStart = start + 'createtype="'.length
  const valueEnd = text.indexOf('"', valueStart)
  if (valueEnd === -1 || valueEnd - valueStart >= 64) return { text }
  return { text, createType: text.slice(valueStart, valueEnd) }
}

function checkDescriptor(descriptor: ReturnType<typeof parseDescriptor>): string | undefined {
  if (!descriptor?.text) return 'No VMDK descriptor found.'
  const { text, createType } = descriptor
  if (createType === undefined) return 'VMDK descriptor has no createType.'
  if (!allowedTypes.has(createType)) {
    return `Unsupported VMDK subformat ${createType} (only monolithicSparse and streamOptimized are allowed).`
  }
  const extents: string[] = []
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#') || line.startsWith('ddb')) continue
    const isHeaderField = line.includes('=') && !line.split('=')[0].includes(' ')
    if (isHeaderField) continue
    if (!extentAccess.has(line.split(' ')[0])) return `Invalid VMDK descriptor line: ${quote(line)}.`
    extents.push(line)
  }
  const outside = extents.find((line) => line.includes('/'))
  if (outside) return `Invalid extent filenames found: ${quote(outside)}.`
  if (extents.length === 0) return 'VMDK descriptor names no extents.'
  return undefined
}

/** The footer, footer marker and end-of-stream marker: the last three sectors of a streamOptimized file. */
async function checkFooter(source: ByteSource, header: SparseHeader): Promise<string | undefined> {
  const tail = await readRegion(source, source.size - 1536, 1536)
  if (!tail) return 'VMDK footer is missing.'
  const footer = parseSparseHeader(tail, 512)
  if (footer.signature !== header.signature) return 'Header and footer signature do not match.'
  if (footer.version !== header.version) return 'Header and footer versions do not match.'
  if (footer.descSector !== header.descSector || footer.descSectors !== header.descSectors) {
    return 'Footer specifies a different descriptor than header.'
  }
  if (footer.gdOffset === gdAtEnd) return 'Footer indicates another footer.'
  if (!isMarker(tail, 0, 3)) return 'Footer marker is invalid.'
  if (!isMarker(tail, 1024, 0) || tail.getBigUint64(1024, true) !== 0n) return 'End-of-stream marker is invalid.'
  return undefined
}

function isMarker(view: DataView, offset: number, type: number): boolean {
  const size = view.getUint32(offset + 8, true)
  const markerType = view.getUint32(offset + 12, true)
  return size === 0 && markerType === type && bytesAt(view, offset + 16, 496).every((b) => b === 0)
}

function quote(line: string): string {
  return JSON.stringify(line.length > 120 ? `${line.slice(0, 120)}…` : line)
}
