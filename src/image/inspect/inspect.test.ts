import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { commandExists, runCommand } from '../../common/host/run-command.ts'
import { checkUpload, ImageFormatRejected, inspectFile, inspectSource, type ByteSource } from './inspect.ts'

const hasQemuImg = await commandExists('qemu-img')
const hasGenisoimage = await commandExists('genisoimage')
const noQemuImg = hasQemuImg ? false : 'qemu-img is not installed (apt-get install qemu-utils)'
const noGenisoimage = hasGenisoimage ? false : 'genisoimage is not installed (apt-get install genisoimage)'

let dir = ''
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nubis-inspect-'))
})
after(() => rm(dir, { recursive: true, force: true }))

async function run(cmd: string, ...args: string[]): Promise<string> {
  const result = await runCommand(cmd, args, { timeoutMs: 60_000 })
  assert.equal(result.code, 0, `${cmd} ${args.join(' ')}: ${result.stderr}`)
  return result.stdout
}

/** Creates `name` in the temp dir with `qemu-img create <args...> <name> [size]`. */
async function qemuImg(name: string, args: string[], size?: string): Promise<string> {
  const path = join(dir, name)
  const argv = ['create', '-q', ...args, path, ...(size ? [size] : [])]
  // Creating a LUKS header, qemu-img times PBKDF2 by the thread's CPU time and gives up when a
  // first round reads 0 ms, which a coarse CPU clock does about one time in five. That is
  // qemu's benchmark, not the image: try again, a few times, before calling it a failure.
  for (let attempt = 1; attempt < 10; attempt++) {
    const result = await runCommand('qemu-img', argv, { timeoutMs: 60_000 })
    if (result.code === 0) return path
    if (!result.stderr.includes('Unable to get accurate CPU usage')) break
  }
  await run('qemu-img', ...argv)
  return path
}

async function qemuInfo(path: string): Promise<{ format: string; 'virtual-size': number }> {
  return JSON.parse(await run('qemu-img', 'info', '--output=json', path))
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => assert.fail('expected the upload to be refused'),
    (e: unknown) => e,
  )
  assert.ok(err instanceof ImageFormatRejected, String(err))
  assert.equal(err.status, 415)
  return err.message
}

describe('formats and virtual sizes agree with qemu-img', { skip: noQemuImg }, () => {
  const cases: Array<[name: string, args: string[], size: string, format: string, qemuFormat?: string]> = [
    ['v3.qcow2', ['-f', 'qcow2'], '1G', 'qcow2'],
    ['v2.qcow2', ['-f', 'qcow2', '-o', 'compat=0.10'], '100M', 'qcow2'],
    ['sparse.vmdk', ['-f', 'vmdk'], '200M', 'vmdk'],
    ['stream.vmdk', ['-f', 'vmdk', '-o', 'subformat=streamOptimized'], '300M', 'vmdk'],
    ['dynamic.vhd', ['-f', 'vpc'], '1G', 'vhd', 'vpc'],
    ['disk.vhdx', ['-f', 'vhdx'], '5G', 'vhdx'],
    ['disk.vdi', ['-f', 'vdi'], '77M', 'vdi'],
    ['disk.raw', ['-f', 'raw'], '3M', 'raw'],
    ['disk.luks', ['-f', 'luks', '--object', 'secret,id=s0,data=pw', '-o', 'key-secret=s0,iter-time=10'], '16M', 'luks'],
  ]
  for (const [name, args, size, format, qemuFormat = format] of cases) {
    test(`${name} is ${format}`, async () => {
      const path = await qemuImg(name, args, size)
      const info = await qemuInfo(path)
      assert.equal(info.format, qemuFormat)
      const inspection = await inspectFile(path)
      assert.deepEqual(inspection, {
        format,
        virtualSize: info['virtual-size'],
        actualSize: (await stat(path)).size,
        safetyProblems: [],
        ...(format === 'luks' ? { encryption: 'luks' } : {}),
      })
      assert.deepEqual(await checkUpload(path, format), { virtualSize: info['virtual-size'], format })
    })
  }

  test('qcow2 with LUKS encryption is detected as encrypted and accepted, as Glance does', async () => {
    const path = await qemuImg('enc.qcow2', ['-f', 'qcow2', '--object', 'secret,id=s0,data=pw', '-o', 'encrypt.format=luks,encrypt.key-secret=s0,encrypt.iter-time=10'], '64M')
    const inspection = await inspectFile(path)
    assert.equal(inspection.encryption, 'luks')
    assert.deepEqual(await checkUpload(path, 'qcow2'), { virtualSize: 64 << 20, format: 'qcow2' })
  })

  test('a fixed VHD has its footer only at the end: raw, to qemu and to us', async () => {
    const path = await qemuImg('fixed.vhd', ['-f', 'vpc', '-o', 'subformat=fixed'], '10M')
    assert.equal((await qemuInfo(path)).format, 'raw')
    assert.equal((await inspectFile(path)).format, 'raw')
    assert.match(await rejection(checkUpload(path, 'vhd')), /^Image disk_format vhd does not match stream data raw\.$/)
  })
})

describe('unsafe images made by qemu-img are refused', { skip: noQemuImg }, () => {
  test('qcow2 with a backing file, declared qcow2 or raw', async () => {
    const base = await qemuImg('base.qcow2', ['-f', 'qcow2'], '64M')
    const child = await qemuImg('child.qcow2', ['-f', 'qcow2', '-b', base, '-F', 'qcow2'])
    assert.deepEqual((await inspectFile(child)).safetyProblems, ['Image has a backing file.'])
    for (const diskFormat of ['qcow2', 'raw']) {
      assert.equal(await rejection(checkUpload(child, diskFormat)), 'Image failed safety checks (qcow2): Image has a backing file.')
    }
  })

  test('qcow2 with an external data file', async () => {
    const path = await qemuImg('df.qcow2', ['-f', 'qcow2', '-o', `data_file=${join(dir, 'df.data')}`], '64M')
    assert.deepEqual((await inspectFile(path)).safetyProblems, ['Image has data_file set.', 'Image has a data file header extension.'])
    assert.match(await rejection(checkUpload(path, 'qcow2')), /data_file set/)
  })

  test('qcow2 with extended L2 entries (incompatible bit 4, beyond what oslo.utils knows)', async () => {
    const path = await qemuImg('el2.qcow2', ['-f', 'qcow2', '-o', 'extended_l2=on'], '64M')
    assert.match(await rejection(checkUpload(path, 'qcow2')), /Unknown QCOW2 features found \(incompatible feature bits 4\)/)
  })

  test('VMDK subformats whose descriptor points at other files', async () => {
    const flat = await qemuImg('flat.vmdk', ['-f', 'vmdk', '-o', 'subformat=monolithicFlat'], '10M')
    assert.equal((await qemuInfo(flat)).format, 'vmdk') // qemu would follow it to flat-flat.vmdk
    assert.equal(
      await rejection(checkUpload(flat, 'vmdk')),
      'Image failed safety checks (vmdk): Unsupported VMDK subformat monolithicflat (only monolithicSparse and streamOptimized are allowed).',
    )
    assert.match(await rejection(checkUpload(flat, 'raw')), /Unsupported VMDK subformat monolithicflat/)
    const split = await qemuImg('split.vmdk', ['-f', 'vmdk', '-o', 'subformat=twoGbMaxExtentSparse'], '10M')
    assert.match(await rejection(checkUpload(split, 'vmdk')), /Unsupported VMDK subformat twogbmaxextentsparse/)
    // Its extent file alone is a sparse header with no descriptor.
    assert.match(await rejection(checkUpload(join(dir, 'split-s001.vmdk'), 'vmdk')), /No VMDK descriptor found/)
  })

  test('QED is recognised and always refused', async () => {
    const path = await qemuImg('disk.qed', ['-f', 'qed'], '10M')
    assert.equal(await rejection(checkUpload(path, 'raw')), 'Image failed safety checks (qed): This file format is not allowed.')
  })
})

describe('what Glance accepts for each disk_format', { skip: noQemuImg }, () => {
  test('content must match disk_format; raw takes any safe content at its byte size', async () => {
    const qcow2 = await qemuImg('m.qcow2', ['-f', 'qcow2'], '1G')
    const vmdk = await qemuImg('m.vmdk', ['-f', 'vmdk'], '1G')
    const raw = await qemuImg('m.raw', ['-f', 'raw'], '2M')
    const qcow2Bytes = (await stat(qcow2)).size
    assert.deepEqual(await checkUpload(qcow2, 'raw'), { virtualSize: qcow2Bytes, format: 'qcow2' })
    assert.equal(await rejection(checkUpload(raw, 'qcow2')), 'Image disk_format qcow2 does not match stream data raw.')
    assert.equal(await rejection(checkUpload(vmdk, 'vhd')), 'Image disk_format vhd does not match stream data vmdk.')
    assert.equal(await rejection(checkUpload(qcow2, 'vmdk')), 'Image disk_format vmdk does not match stream data qcow2.')
  })

  test('ami, ari, aki and other uninspectable formats take only unrecognised (raw) content, without a virtual size', async () => {
    const qcow2 = await qemuImg('k.qcow2', ['-f', 'qcow2'], '1G')
    const kernel = join(dir, 'vmlinuz')
    await writeFile(kernel, Buffer.alloc(8192, 0x90))
    for (const diskFormat of ['ami', 'ari', 'aki', 'ploop']) {
      assert.deepEqual(await checkUpload(kernel, diskFormat), { virtualSize: null, format: 'raw' })
      assert.equal(await rejection(checkUpload(qcow2, diskFormat)), `Image disk_format ${diskFormat} does not match stream data qcow2.`)
    }
  })
})

describe('ISO 9660', { skip: noGenisoimage }, () => {
  test('detected as iso with volume size × block size; accepted as iso or raw, not as qcow2', async () => {
    const content = join(dir, 'iso-content')
    await mkdir(content)
    await writeFile(join(content, 'hello.txt'), 'hello\n')
    const iso = join(dir, 'disk.iso')
    await run('genisoimage', '-quiet', '-o', iso, content)
    const bytes = (await stat(iso)).size
    assert.deepEqual(await inspectFile(iso), { format: 'iso', virtualSize: bytes, actualSize: bytes, safetyProblems: [] })
    assert.deepEqual(await checkUpload(iso, 'iso'), { virtualSize: bytes, format: 'iso' })
    assert.deepEqual(await checkUpload(iso, 'raw'), { virtualSize: bytes, format: 'iso' })
    assert.equal(await rejection(checkUpload(iso, 'qcow2')), 'Image disk_format qcow2 does not match stream data iso.')
  })
})

describe('raw data and reading only headers', () => {
  test('garbage declared qcow2 is refused; the same bytes declared raw are fine', async () => {
    const path = join(dir, 'garbage.img')
    await writeFile(path, Buffer.alloc(100_000, 'not a disk image '))
    assert.equal(await rejection(checkUpload(path, 'qcow2')), 'Image disk_format qcow2 does not match stream data raw.')
    assert.deepEqual(await checkUpload(path, 'raw'), { virtualSize: 100_000, format: 'raw' })
  })

  test('an empty upload is raw with no virtual size', async () => {
    const empty: ByteSource = { size: 0, read: async () => new Uint8Array(0) }
    assert.deepEqual(await checkUpload(empty, 'raw'), { virtualSize: null, format: 'raw' })
  })

  test('inspecting a 10 TiB source reads a few KiB of headers, not the image', async () => {
    let bytesRead = 0
    const huge: ByteSource = {
      size: 10 * 2 ** 40,
      async read(offset, length) {
        const n = Math.max(0, Math.min(length, this.size - offset))
        bytesRead += n
        return new Uint8Array(n)
      },
    }
    assert.deepEqual(await inspectSource(huge), { format: 'raw', virtualSize: 10 * 2 ** 40, actualSize: 10 * 2 ** 40, safetyProblems: [] })
    assert.ok(bytesRead < 256 * 1024, `read ${bytesRead} bytes`)
  })
})
