import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { silentLogger } from '../../../src/common/log/logger.ts'
import { createInProcessTransport } from '../../../src/common/rpc/in-process.ts'
import type { RunningService } from '../../../src/common/service.ts'
import { startImage } from '../../../src/image/services.ts'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'
import { ApiClient } from '../../support/client.ts'
import { createImage, octet, upload } from './image-test-kit.ts'

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const { port } = server.address() as { port: number }
  await new Promise((ok) => server.close(ok))
  return port
}

/** `nubis run image` as its own process, so the test can kill it mid-upload. */
async function spawnImageService(cloud: TestCloud, port: number): Promise<ChildProcess> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NUBIS_')))
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', 'src/cli/main.ts', 'run', 'image'], {
    env: {
      ...env, NUBIS_DATA_DIR: cloud.config.dataDir, NUBIS_AUTH_URL: cloud.identityUrl, NUBIS_IMAGE__PORT: String(port),
      NUBIS_BIND_HOST: '127.0.0.1', NUBIS_INSTALL_PACKAGES: 'false', NUBIS_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).status === 300) return child
    } catch {
      // not listening yet
    }
    await sleep(50)
  }
  child.kill('SIGKILL')
  throw new Error('the image service did not start')
}

describe('a crash mid-upload leaves no half-active image', () => {
  let cloud: TestCloud
  let restarted: RunningService | undefined
  before(async () => {
    cloud = await startTestCloud()
  })
  after(async () => {
    await restarted?.stop()
    await cloud.stop()
  })

  test('SIGKILL during an upload and a stage; on restart both images are queued, no data is left, retries work', async () => {
    const token = (await cloud.demo()).token
    const port = await freePort()
    const child = await spawnImageService(cloud, port)
    const before = new ApiClient(`http://127.0.0.1:${port}`, token)
    const uploading = await createImage(before)
    const staging = await createImage(before)
    const storeDir = join(cloud.config.dataDir, 'images')

    const streams = [uploading, staging].map(() => {
      let controller!: ReadableStreamDefaultController<Uint8Array>
      return { body: new ReadableStream<Uint8Array>({ start: (c) => { controller = c } }), send: (b: Uint8Array) => controller.enqueue(b) }
    })
    const pending = [
      before.raw('PUT', `/v2/images/${uploading.id}/file`, streams[0].body, octet).catch(() => undefined),
      before.raw('PUT', `/v2/images/${staging.id}/stage`, streams[1].body, octet).catch(() => undefined),
    ]
    for (const s of streams) s.send(randomBytes(3 << 20))
    const partials = () => readdirSync(join(storeDir, '.partial')).length + readdirSync(join(storeDir, 'staging', '.partial')).length
    for (let i = 0; i < 200 && partials() < 2; i++) await sleep(25)
    assert.equal((await before.get(`/v2/images/${uploading.id}`)).body.status, 'saving')
    assert.equal((await before.get(`/v2/images/${staging.id}`)).body.status, 'uploading')
    child.kill('SIGKILL')
    await new Promise((ok) => child.once('exit', ok))
    await Promise.all(pending)

    restarted = await startImage({
      config: { ...cloud.config, image: { ...cloud.config.image, port: 0 } } as any,
      log: silentLogger, transport: createInProcessTransport(),
    })
    const after = new ApiClient(restarted.url!, token)
    for (const id of [uploading.id, staging.id]) {
      const img = (await after.get(`/v2/images/${id}`)).body
      assert.equal(img.status, 'queued', id)
      assert.equal(img.size, null)
      assert.equal(img.checksum, null)
      assert.equal((await after.raw('GET', `/v2/images/${id}/file`)).status, 204)
    }
    assert.equal(partials(), 0)
    assert.deepEqual(readdirSync(storeDir).filter((n) => !['.partial', 'staging'].includes(n)), [])
    await sleep(200)
    assert.equal((await after.get(`/v2/images/${uploading.id}`)).body.status, 'queued')

    assert.equal((await upload(after, uploading.id, randomBytes(1000))).status, 204)
    assert.equal((await after.get(`/v2/images/${uploading.id}`)).body.status, 'active')
    assert.equal((await after.raw('PUT', `/v2/images/${staging.id}/stage`, randomBytes(1000), octet)).status, 204)
    assert.equal((await after.post(`/v2/images/${staging.id}/import`, { method: { name: 'glance-direct' } })).status, 202)
    for (let i = 0; i < 200 && (await after.get(`/v2/images/${staging.id}`)).body.status !== 'active'; i++) await sleep(25)
    assert.equal((await after.get(`/v2/images/${staging.id}`)).body.status, 'active')
  })
})
