import assert from 'node:assert/strict'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { imageStores } from './registry.ts'

test('each registered store builds, and its id is the name Glance shows in `stores`', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nubis-registry-'))
  try {
    const file = await imageStores.file({ root: join(dir, 'images') })
    assert.equal(file.id, 'file')
    assert.ok((await stat(join(dir, 'images', '.partial'))).isDirectory())
    assert.equal((await imageStores.fake({ root: dir })).id, 'fake')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
