import assert from 'node:assert/strict'
import { test } from 'node:test'
import { masterBootRecord, partitionMib, partitionStartLba, syslinuxConfig } from './boot-disk.ts'

test('the MBR holds the boot code, one active FAT16 partition at 1 MiB, and 0x55AA', () => {
  const bootCode = Buffer.alloc(440, 0xfa)
  const mbr = masterBootRecord({ bootCode, startLba: partitionStartLba, sectors: 20 * 2048, diskSignature: 0x4e554249 })
  assert.equal(mbr.length, 512)
  assert.deepEqual(mbr.subarray(0, 440), bootCode)
  assert.equal(mbr.readUInt32LE(440), 0x4e554249)
  const entry = mbr.subarray(446, 462)
  assert.equal(entry[0], 0x80)
  assert.deepEqual([...entry.subarray(1, 4)], [32, 33, 0]) // LBA 2048 = cylinder 0, head 32, sector 33
  assert.equal(entry[4], 0x06)
  assert.equal(entry.readUInt32LE(8), 2048)
  assert.equal(entry.readUInt32LE(12), 40960)
  assert.ok(mbr.subarray(462, 510).every((b) => b === 0), 'only one partition entry')
  assert.deepEqual([mbr[510], mbr[511]], [0x55, 0xaa])
})

test('CHS addresses past cylinder 1023 are clamped', () => {
  const mbr = masterBootRecord({ bootCode: Buffer.alloc(0), startLba: 2048, sectors: 20_000_000, diskSignature: 1 })
  assert.deepEqual([...mbr.subarray(446 + 5, 446 + 8)], [254, 0xff, 0xff])
})

test('boot code longer than 440 bytes would overwrite the partition table and is refused', () => {
  assert.throws(() => masterBootRecord({ bootCode: Buffer.alloc(446), startLba: 2048, sectors: 1, diskSignature: 1 }), /at most 440/)
})

test('the partition fits kernel + initramfs with room to spare, in whole MiB', () => {
  assert.equal(partitionMib(16 << 20), 20)
  assert.equal(partitionMib((16 << 20) + 1), 21)
})

test('SYSLINUX boots the kernel and initramfs with the given command line, without a prompt', () => {
  const config = syslinuxConfig('console=ttyS0 quiet')
  assert.match(config, /^PROMPT 0$/m)
  assert.match(config, /^TIMEOUT 0$/m)
  assert.match(config, /^ {2}KERNEL \/vmlinuz$/m)
  assert.match(config, /^ {2}INITRD \/initrd\.gz$/m)
  assert.match(config, /^ {2}APPEND console=ttyS0 quiet$/m)
})
