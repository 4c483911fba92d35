/** Hand-made headers: the hostile and odd inputs qemu-img would never write. */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { checkUpload, ImageFormatRejected, inspectFile, inspectSource, type ByteSource } from './inspect.ts'

function source(bytes: Buffer): ByteSource {
  return { size: bytes.length, read: async (offset, length) => bytes.subarray(offset, offset + length) }
}

async function refusal(bytes: Buffer, diskFormat: string): Promise<string> {
  const err = await checkUpload(source(bytes), diskFormat).then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e,
  )
  assert.ok(err instanceof ImageFormatRejected, String(err))
  return err.message
}

/** A monolithicSparse/streamOptimized header with `descriptor` embedded at sector 1. */
function vmdk(descriptor: string, opts: { descSector?: number; gdAtEnd?: boolean; totalBytes?: number } = {}): Buffer {
  const bytes = Buffer.alloc(opts.totalBytes ?? 64 * 1024)
  bytes.write('KDMV', 0, 'latin1')
  bytes.writeUInt32LE(3, 4)
  bytes.writeBigUInt64LE(2048n, 12) // capacity: 1 MiB
  bytes.writeBigUInt64LE(128n, 20)
  bytes.writeBigUInt64LE(BigInt(opts.descSector ?? 1), 28)
  bytes.writeBigUInt64LE(20n, 36)
  bytes.writeBigUInt64LE(opts.gdAtEnd ? 0xffff_ffff_ffff_ffffn : 21n, 56)
  bytes.write(descriptor, 512, 'latin1')
  return bytes
}

const descriptorFor = (createType: string, extent: string) =>
  `# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\ncreateType="${createType}"\n\n# Extent description\n${extent}\n\nddb.virtualHWVersion = "4"\n`

test('a sparse VMDK whose embedded descriptor points at /etc/passwd is refused', async () => {
  const bytes = vmdk(descriptorFor('monolithicSparse', 'RW 2048 FLAT "/etc/passwd" 0'))
  const dir = await mkdtemp(join(tmpdir(), 'nubis-crafted-'))
  try {
    await writeFile(join(dir, 'evil.vmdk'), bytes)
    const inspection = await inspectFile(join(dir, 'evil.vmdk'))
    assert.equal(inspection.format, 'vmdk')
    assert.deepEqual(inspection.safetyProblems, ['Invalid extent filenames found: "rw 2048 flat \\"/etc/passwd\\" 0".'])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  for (const diskFormat of ['vmdk', 'raw']) assert.match(await refusal(bytes, diskFormat), /Invalid extent filenames found.*\/etc\/passwd/)
})

test('VMDK descriptors: accepted only when every line parses and an extent is named', async () => {
  const good = vmdk(descriptorFor('monolithicSparse', 'RW 2048 SPARSE "disk.vmdk"'))
  assert.deepEqual(await checkUpload(source(good), 'vmdk'), { virtualSize: 1 << 20, format: 'vmdk' })
  const stray = vmdk(descriptorFor('monolithicSparse', 'RW 2048 SPARSE "disk.vmdk"\nexec something nasty'))
  assert.match(await refusal(stray, 'vmdk'), /Invalid VMDK descriptor line: "exec something nasty"\./)
  assert.match(await refusal(vmdk(descriptorFor('streamOptimized', '')), 'vmdk'), /VMDK descriptor names no extents\./)
  assert.match(await refusal(vmdk('version=1\nRW 2048 SPARSE "x"\n'), 'vmdk'), /VMDK descriptor has no createType\./)
  assert.match(await refusal(vmdk(descriptorFor('vmfs', 'RW 2048 VMFS "x"')), 'vmdk'), /Unsupported VMDK subformat vmfs/)
})

test('a VMDK header with its descriptor anywhere but sector 1 is not taken for VMDK (as in qemu and oslo)', async () => {
  const bytes = vmdk(descriptorFor('monolithicSparse', 'RW 2048 SPARSE "x"'), { descSector: 5 })
  assert.equal((await inspectSource(source(bytes))).format, 'raw')
  assert.equal(await refusal(bytes, 'vmdk'), 'Image disk_format vmdk does not match stream data raw.')
})

test('a text-only VMDK descriptor is refused even when it claims a single-file subformat', async () => {
  const text = Buffer.from(descriptorFor('monolithicSparse', 'RW 2048 SPARSE "neighbour.vmdk"'))
  assert.match(await refusal(text, 'vmdk'), /VMDK descriptor file without a sparse header: its extents are other files\./)
  const prose = Buffer.from('Just a README that happens to be uploaded. '.repeat(10))
  assert.equal((await inspectSource(source(prose))).format, 'raw')
})

/** streamOptimized with the grain directory "at end": footer marker, footer header, end-of-stream marker. */
function streamWithFooter(edit: (footer: Buffer) => void = () => {}): Buffer {
  const head = vmdk(descriptorFor('streamOptimized', 'RW 2048 SPARSE "s.vmdk"'), { gdAtEnd: true })
  const footer = Buffer.alloc(1536)
  footer.writeUInt32LE(3, 12) // footer marker type
  head.copy(footer, 512, 0, 512)
  footer.writeBigUInt64LE(100n, 512 + 56) // the real grain directory offset
  edit(footer)
  return Buffer.concat([head, footer])
}

test('streamOptimized footers must agree with the header', async () => {
  assert.deepEqual(await checkUpload(source(streamWithFooter()), 'vmdk'), { virtualSize: 1 << 20, format: 'vmdk' })
  const cases: Array<[string, (footer: Buffer) => void]> = [
    ['Header and footer versions do not match.', (f) => f.writeUInt32LE(2, 512 + 4)],
    ['Footer specifies a different descriptor than header.', (f) => f.writeBigUInt64LE(40n, 512 + 36)],
    ['Footer indicates another footer.', (f) => f.writeBigUInt64LE(0xffff_ffff_ffff_ffffn, 512 + 56)],
    ['Footer marker is invalid.', (f) => f.writeUInt32LE(1, 12)],
    ['End-of-stream marker is invalid.', (f) => f.writeUInt8(1, 1100)],
  ]
  for (const [message, edit] of cases) {
    assert.equal(await refusal(streamWithFooter(edit), 'vmdk'), `Image failed safety checks (vmdk): ${message}`)
  }
})

/** A version 3 qcow2 header (104 bytes, 64 KiB clusters) describing a 1 GiB disk. */
function qcow2(edit: (header: Buffer) => void = () => {}): Buffer {
  const bytes = Buffer.alloc(64 * 1024)
  bytes.write('QFI\xfb', 0, 'latin1')
  bytes.writeUInt32BE(3, 4)
  bytes.writeUInt32BE(16, 20)
  bytes.writeBigUInt64BE(1n << 30n, 24)
  bytes.writeUInt32BE(104, 100)
  edit(bytes)
  return bytes
}

test('qcow2 headers: versions, feature bits, encryption, data-file extension, absurd sizes', async () => {
  assert.deepEqual(await checkUpload(source(qcow2()), 'qcow2'), { virtualSize: 1 << 30, format: 'qcow2' })
  const dirtyAndCompressed = qcow2((h) => h.writeBigUInt64BE(0b1001n, 72))
  assert.deepEqual(await checkUpload(source(dirtyAndCompressed), 'qcow2'), { virtualSize: 1 << 30, format: 'qcow2' })
  assert.match(await refusal(qcow2((h) => h.writeBigUInt64BE(1n << 40n, 72)), 'qcow2'), /incompatible feature bits 40\)/)
  assert.match(await refusal(qcow2((h) => h.writeUInt32BE(1, 4)), 'qcow2'), /Unsupported qcow2 version 1\./)
  assert.match(await refusal(qcow2((h) => h.writeUInt32BE(4, 4)), 'qcow2'), /Unsupported qcow2 version 4\./)
  const dataFileExtension = qcow2((h) => {
    h.writeUInt32BE(0xe2792aca, 104) // backing format extension first, 5 bytes padded to 8
    h.writeUInt32BE(5, 108)
    h.write('qcow2', 112)
    h.writeUInt32BE(0x44415441, 120)
    h.writeUInt32BE(11, 124)
    h.write('/etc/shadow', 128)
  })
  assert.equal(await refusal(dataFileExtension, 'qcow2'), 'Image failed safety checks (qcow2): Image has a data file header extension.')
  const aes = qcow2((h) => h.writeUInt32BE(1, 32))
  assert.equal((await inspectSource(source(aes))).encryption, 'aes')
  assert.match(await refusal(qcow2((h) => h.writeUInt32BE(7, 32)), 'qcow2'), /Unknown qcow2 encryption method 7\./)
  assert.match(await refusal(qcow2((h) => h.writeBigUInt64BE(1n << 60n, 24)), 'qcow2'), /larger than 2\^53 bytes/)
  assert.equal((await inspectSource(source(qcow2().subarray(0, 300)))).format, 'raw') // shorter than oslo's 512-byte header
})

/** A protective MBR: one 0xEE partition from LBA 1, and the 0xAA55 signature. */
function protectiveMbr(bytes: Buffer): Buffer {
  bytes.set([0x00, 0x00, 0x02, 0x00, 0xee, 0xff, 0xff, 0xff], 446)
  bytes.writeUInt32LE(1, 446 + 8)
  bytes.writeUInt32LE(0xffffffff, 446 + 12)
  bytes.writeUInt16LE(0xaa55, 510)
  return bytes
}

test('a qcow2 that is also an MBR disk is refused as ambiguous', async () => {
  const polyglot = protectiveMbr(qcow2())
  assert.match(await refusal(polyglot, 'qcow2'), /^Multiple formats detected: qcow2, gpt\.$/)
  assert.match(await refusal(polyglot, 'raw'), /^Multiple formats detected/)
})

test('a hybrid ISO (GPT in the system area) counts as iso', async () => {
  const bytes = protectiveMbr(Buffer.alloc(40 * 2048))
  bytes.writeUInt8(1, 32768) // primary volume descriptor
  bytes.write('CD001', 32769, 'latin1')
  bytes.writeUInt32LE(40, 32768 + 80)
  bytes.writeUInt16LE(2048, 32768 + 128)
  assert.deepEqual(await checkUpload(source(bytes), 'iso'), { virtualSize: 40 * 2048, format: 'iso' })
})

test('MBR/GPT disks are raw to Glance, but the partition table must be sane', async () => {
  const disk = protectiveMbr(Buffer.alloc(1 << 20))
  assert.deepEqual(await inspectSource(source(disk)), { format: 'gpt', virtualSize: 1 << 20, actualSize: 1 << 20, safetyProblems: [] })
  assert.deepEqual(await checkUpload(source(disk), 'raw'), { virtualSize: 1 << 20, format: 'gpt' })
  const empty = Buffer.alloc(4096)
  empty.writeUInt16LE(0xaa55, 510)
  assert.match(await refusal(empty, 'raw'), /GPT MBR has no partitions defined\./)
  const badBoot = protectiveMbr(Buffer.alloc(4096))
  badBoot.writeUInt8(0x42, 446)
  assert.match(await refusal(badBoot, 'raw'), /MBR PTE 0 has invalid boot flag\./)
  const extra = protectiveMbr(Buffer.alloc(4096))
  extra.writeUInt8(0x83, 446 + 16 + 4)
  assert.match(await refusal(extra, 'raw'), /GPT MBR defines invalid extra partitions\./)
  const fat = Buffer.alloc(4096)
  fat.writeUInt8(2, 0x10)
  fat.writeUInt8(0xf8, 0x15)
  fat.writeUInt16LE(0xaa55, 510)
  assert.equal((await inspectSource(source(fat))).format, 'raw') // a FAT volume, not a partition table
})

test('VHDX: a broken region table is not VHDX; an identifier with no metadata is VHDX of unknown size', async () => {
  const broken = Buffer.alloc(256 * 1024)
  broken.write('vhdxfile', 0, 'latin1')
  broken.write('nope', 192 * 1024, 'latin1')
  assert.equal((await inspectSource(source(broken))).format, 'raw')
  const bare = Buffer.alloc(4096)
  bare.write('vhdxfile', 0, 'latin1')
  assert.deepEqual(await checkUpload(source(bare), 'vhdx'), { virtualSize: null, format: 'vhdx' })
})

test('LUKS version 2 is refused', async () => {
  const bytes = Buffer.alloc(16 * 1024)
  bytes.write('LUKS\xba\xbe', 0, 'latin1')
  bytes.writeUInt16BE(2, 6)
  assert.equal(await refusal(bytes, 'luks'), 'Image failed safety checks (luks): LUKS version 2 is not supported.')
})
