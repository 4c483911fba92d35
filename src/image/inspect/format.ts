/**
 * @module What every format inspector implements, and the random-access byte source it reads.
 * Inspectors read only the header regions they need, never the whole image.
 */
import { open } from 'node:fs/promises'

/** Random access to image bytes: a local file, or the pending data of an image store. */
export type ByteSource = {
  readonly size: number
  /** `length` bytes at `offset`; fewer only at the end of the data. */
  read(offset: number, length: number): Promise<Uint8Array>
}

export type FormatMatch = {
  /** Disk size the guest sees; null when the format does not record one we could read. */
  virtualSize: number | null
  /** Why the image must not be used (empty when safe), one sentence each. */
  safetyProblems: string[]
  /** Set when the guest data is encrypted (qcow2 crypt_method, or a LUKS container). */
  encryption?: 'aes' | 'luks'
}

export type FormatInspector = {
  /** The qemu-img / Glance disk_format name. */
  readonly name: string
  /**
   * The match when the bytes are in this format, else undefined. Structures that are malformed
   * beyond parsing also give undefined, as oslo's inspectors drop out of the race on a parse error.
   */
  inspect(source: ByteSource): Promise<FormatMatch | undefined>
}

/** Opens a local file as a ByteSource; close it when done. */
export async function openFileSource(path: string): Promise<ByteSource & { close(): Promise<void> }> {
  const handle = await open(path, 'r')
  try {
    const { size } = await handle.stat()
    return {
      size,
      async read(offset, length) {
        const want = Math.max(0, Math.min(length, size - offset))
        const buffer = Buffer.alloc(want)
        let filled = 0
        while (filled < want) {
          const { bytesRead } = await handle.read(buffer, filled, want - filled, offset + filled)
          if (bytesRead === 0) break
          filled += bytesRead
        }
        return buffer.subarray(0, filled)
      },
      close: () => handle.close(),
    }
  } catch (err) {
    await handle.close()
    throw err
  }
}

/** Reads exactly `length` bytes at `offset`, or undefined when the data ends first. */
export async function readRegion(source: ByteSource, offset: number, length: number): Promise<DataView | undefined> {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > source.size) return undefined
  const bytes = await source.read(offset, length)
  return bytes.length === length ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) : undefined
}

export function bytesAt(view: DataView, offset: number, length: number): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset + offset, length)
}

export function asciiAt(view: DataView, offset: number, length: number): string {
  return Buffer.from(bytesAt(view, offset, length)).toString('latin1')
}

/** A 64-bit size as a number; sizes past 2^53 bytes cannot be represented and are reported. */
export function sizeFrom(value: bigint, safetyProblems: string[]): number | null {
  if (value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value)
  safetyProblems.push(`Virtual size ${value} is larger than 2^53 bytes.`)
  return null
}
