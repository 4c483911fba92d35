/**
 * @module The tiny guest as a whole-disk qcow2 image that SeaBIOS boots: an MBR with SYSLINUX's
 * boot code and one FAT16 partition holding SYSLINUX, the kernel and the initramfs. Built from
 * plain files (mkfs.vfat -C, mcopy, syslinux --install), so it needs no root, loop device or mount.
 */
import { open, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runStep, TinyGuestError } from './host-step.ts'

/** SYSLINUX's MBR boot code (syslinux-common): finds the active partition and chains to it. */
export const mbrBootCodeFile = '/usr/lib/syslinux/mbr/mbr.bin'

const sectorBytes = 512
const mib = 1 << 20
/** The partition starts at 1 MiB, where partitioning tools put it. */
export const partitionStartLba = mib / sectorBytes
/** Type 0x06: FAT16; SYSLINUX's MBR ignores it, Linux only uses it for naming. */
const fat16PartitionType = 0x06

export function syslinuxConfig(cmdline: string): string {
  return ['DEFAULT nubis', 'PROMPT 0', 'TIMEOUT 0', 'LABEL nubis', '  KERNEL /vmlinuz', '  INITRD /initrd.gz', `  APPEND ${cmdline}`, ''].join('\n')
}

/** Cylinder/head/sector of `lba` in the usual 255-head, 63-sector geometry, clamped at 1023/254/63. */
function chs(lba: number): Buffer {
  const heads = 255
  const sectors = 63
  const cylinder = Math.floor(lba / (heads * sectors))
  if (cylinder > 1023) return Buffer.from([254, 0xff, 0xff])
  const head = Math.floor(lba / sectors) % heads
  const sector = (lba % sectors) + 1
  return Buffer.from([head, sector | ((cylinder >> 2) & 0xc0), cylinder & 0xff])
}

/**
 * A 512-byte MBR: `bootCode` (at most 440 bytes), the disk signature, one partition entry
 * (active, FAT16) and the 0x55AA marker.
 */
export function masterBootRecord(o: { bootCode: Buffer; startLba: number; sectors: number; diskSignature: number }): Buffer {
  if (o.bootCode.length > 440) throw new TinyGuestError(`MBR boot code is ${o.bootCode.length} bytes; at most 440 fit`)
  const mbr = Buffer.alloc(sectorBytes)
  o.bootCode.copy(mbr, 0)
  mbr.writeUInt32LE(o.diskSignature, 440)
  const entry = 446
  mbr[entry] = 0x80 // active: SYSLINUX's MBR boots the active partition
  chs(o.startLba).copy(mbr, entry + 1)
  mbr[entry + 4] = fat16PartitionType
  chs(o.startLba + o.sectors - 1).copy(mbr, entry + 5)
  mbr.writeUInt32LE(o.startLba, entry + 8)
  mbr.writeUInt32LE(o.sectors, entry + 12)
  mbr[510] = 0x55
  mbr[511] = 0xaa
  return mbr
}

/** Size of the FAT partition: kernel + initramfs + 4 MiB for SYSLINUX and FAT, in whole MiB. */
export function partitionMib(payloadBytes: number): number {
  return Math.ceil((payloadBytes + 4 * mib) / mib)
}

/**
 * Writes the disk image to `out` (qcow2, compressed). `workDir` holds the intermediate partition
 * and raw disk images; `mtime` (seconds) stamps the FAT file system where the tools allow it.
 */
export async function buildBootDisk(o: { kernel: string; initramfs: string; cmdline: string; workDir: string; out: string; mtime: number }): Promise<void> {
  const payload = (await stat(o.kernel)).size + (await stat(o.initramfs)).size
  const sizeMib = partitionMib(payload)
  const part = join(o.workDir, 'boot-partition.img')
  const raw = join(o.workDir, 'disk.raw')
  const config = join(o.workDir, 'syslinux.cfg')
  const env = { SOURCE_DATE_EPOCH: String(o.mtime), MTOOLS_SKIP_CHECK: '1', LC_ALL: 'C' }
  await writeFile(config, syslinuxConfig(o.cmdline))

  // -h: sectors before the partition, which SYSLINUX's boot sector adds to find its files.
  await runStep('boot disk: FAT file system', 'mkfs.vfat', [
    '--invariant', '-F', '16', '-n', 'NUBISBOOT', '-i', '4e554249', '-h', String(partitionStartLba), '-C', part, String(sizeMib * 1024),
  ], { env })
  for (const [from, to] of [[o.kernel, 'vmlinuz'], [o.initramfs, 'initrd.gz'], [config, 'syslinux.cfg']]) {
    await runStep(`boot disk: copying ${to}`, 'mcopy', ['-o', '-i', part, from, `::/${to}`], { env })
  }
  await runStep('boot disk: installing SYSLINUX', 'syslinux', ['--install', part], { env })

  const bootCode = (await readFile(mbrBootCodeFile)).subarray(0, 440)
  const sectors = (sizeMib * mib) / sectorBytes
  const file = await open(raw, 'w')
  try {
    await file.write(masterBootRecord({ bootCode, startLba: partitionStartLba, sectors, diskSignature: 0x4e554249 }), 0, sectorBytes, 0)
    await file.write(await readFile(part), 0, sizeMib * mib, partitionStartLba * sectorBytes)
    await file.truncate(partitionStartLba * sectorBytes + sizeMib * mib)
  } finally {
    await file.close()
  }
  await runStep('boot disk: converting to qcow2', 'qemu-img', ['convert', '-q', '-c', '-f', 'raw', '-O', 'qcow2', raw, o.out], { timeoutMs: 300_000 })
}
