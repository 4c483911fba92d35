/**
 * @module Disk image format inspection: Glance's upload-time format match and safety checks
 * (glance/location.py ImageProxy.set_data over oslo.utils imageutils.format_inspector), reading
 * only the header regions each format needs. Used by the image API before data becomes visible.
 *
 * Decisions, mirroring Glance with require_image_format_match = True (its default):
 * - Detection runs every inspector; none matching means raw. Two matches are refused
 *   ("Multiple formats detected"), except ISO + GPT, which is a hybrid ISO and counts as iso.
 * - disk_format equal to the detected format: accepted if safe; virtual_size from the header.
 * - disk_format raw with another detected format (gpt, iso, even qcow2): accepted if that format's
 *   safety checks pass, with virtual_size = byte size. So a raw disk with a malformed MBR, or a
 *   qcow2 with a backing file uploaded as raw, is refused; a clean qcow2 uploaded as raw is not.
 * - disk_format not inspectable (ami, ari, aki, ploop): accepted only when nothing was detected
 *   (raw content); virtual_size stays unset. A qcow2 declared as ami is refused.
 * - Anything else (garbage declared qcow2, vmdk declared vhd, ...) is refused as a mismatch.
 * Glance answers a refused upload with 415 (webob HTTPUnsupportedMediaType), so we do too.
 */
import { UnsupportedMediaType } from '../../common/errors.ts'
import { openFileSource, type ByteSource, type FormatInspector } from './format.ts'
import { gptInspector } from './gpt.ts'
import { isoInspector } from './iso.ts'
import { luksInspector } from './luks.ts'
import { qcow2Inspector } from './qcow2.ts'
import { qedInspector } from './qed.ts'
import { vdiInspector } from './vdi.ts'
import { vhdInspector } from './vhd.ts'
import { vhdxInspector } from './vhdx.ts'
import { vmdkInspector } from './vmdk.ts'

export type { ByteSource } from './format.ts'

export type Inspection = {
  /** Detected format, named as qemu-img and Glance name it; 'raw' when nothing else matched. */
  format: string
  /** Guest-visible disk size; null when unknown. For raw (and gpt) it is the byte size. */
  virtualSize: number | null
  /** Bytes in the file. */
  actualSize: number
  /** Why the image is unsafe to hand to qemu; empty when it passed every check. */
  safetyProblems: string[]
  encryption?: 'aes' | 'luks'
}

/** The upload is refused: wrong format for its disk_format, ambiguous, or unsafe. */
export class ImageFormatRejected extends UnsupportedMediaType {}

const inspectors: FormatInspector[] = [
  qcow2Inspector,
  vhdInspector,
  vhdxInspector,
  vmdkInspector,
  vdiInspector,
  qedInspector,
  isoInspector,
  gptInspector,
  luksInspector,
]

/** Formats we can recognise (oslo.utils ALL_FORMATS); other disk_formats are taken on trust when raw. */
export const inspectableFormats: readonly string[] = ['raw', ...inspectors.map((inspector) => inspector.name)]

/** Detects the format of a local file. Throws ImageFormatRejected when several formats match. */
export async function inspectFile(path: string): Promise<Inspection> {
  const source = await openFileSource(path)
  try {
    return await inspectSource(source)
  } finally {
    await source.close()
  }
}

export async function inspectSource(source: ByteSource): Promise<Inspection> {
  const found: Array<Inspection> = []
  for (const inspector of inspectors) {
    const match = await inspector.inspect(source)
    if (match) found.push({ format: inspector.name, actualSize: source.size, ...match })
  }
  if (found.length === 0) {
    return { format: 'raw', virtualSize: source.size || null, actualSize: source.size, safetyProblems: [] }
  }
  const names = found.map((inspection) => inspection.format)
  if (found.length === 1) return found[0]
  if (names.length === 2 && names.includes('iso') && names.includes('gpt')) return found.find((i) => i.format === 'iso')!
  throw new ImageFormatRejected(`Multiple formats detected: ${names.join(', ')}.`)
}

/**
 * What Glance does with uploaded data before accepting it (see the module comment). Returns the
 * detected format and the virtual_size to record (null: leave unset), or throws
 * ImageFormatRejected saying what is wrong.
 */
export async function checkUpload(
  data: string | ByteSource,
  diskFormat: string,
): Promise<{ virtualSize: number | null; format: string }> {
  const inspection = typeof data === 'string' ? await inspectFile(data) : await inspectSource(data)
  const { format } = inspection
  let virtualSize: number | null
  if (format === diskFormat) {
    virtualSize = inspection.virtualSize
  } else if (format === 'raw' && !inspectableFormats.includes(diskFormat)) {
    virtualSize = null
  } else if (diskFormat === 'raw') {
    virtualSize = inspection.actualSize || null
  } else {
    throw new ImageFormatRejected(`Image disk_format ${diskFormat} does not match stream data ${format}.`)
  }
  if (inspection.safetyProblems.length > 0) {
    throw new ImageFormatRejected(`Image failed safety checks (${format}): ${inspection.safetyProblems.join(' ')}`)
  }
  return { virtualSize, format }
}
