import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { openDatabase, type Database } from '../../common/db/database.ts'
import { migrateToLatest } from '../../common/db/migrate.ts'
import { createLogger } from '../../common/log/logger.ts'
import type { ComputeConfig } from '../config.ts'
import { NovaError } from '../errors.ts'
import { computeMigrations } from './migrations.ts'
import {
  checkQuota, checkServerQuota, defaultQuotas, quotaLimits, quotaUsages, setClassQuotas, setQuotaLimits, settableQuotas,
} from './quotas.ts'
import type { ComputeDb } from './schema.ts'

const config = {
  quotas: {
    instances: 10, cores: 20, ram: 51200, keyPairs: 2, metadataItems: 128, serverGroups: 10, serverGroupMembers: 10,
    injectedFiles: 5, injectedFileContentBytes: 10240, injectedFilePathBytes: 255,
  },
} as ComputeConfig

let database: Database<ComputeDb>
const log = createLogger({ write: () => {} })

before(async () => {
  database = openDatabase<ComputeDb>('sqlite::memory:')
  await migrateToLatest(database.db, 'compute', computeMigrations, log)
})
after(() => database?.close())

let n = 0
async function addInstance(projectId: string, userId: string, vcpus: number, memoryMb: number, vmState = 'active', deleted = 0) {
  const now = new Date().toISOString()
  await database.db.insertInto('instances').values({
    uuid: `00000000-0000-0000-0000-${String(++n).padStart(12, '0')}`, display_name: 'vm', display_description: null, project_id: projectId,
    user_id: userId, image_ref: '', flavorid: '1', flavor: '{}', old_flavor: null, new_flavor: null, vcpus, memory_mb: memoryMb,
    root_gb: 1, ephemeral_gb: 0, swap: 0, host: null, node: null, availability_zone: null, vm_state: vmState, task_state: null,
    power_state: 0, locked: 0, locked_by: null, locked_reason: null, key_name: null, key_data: null, user_data: null, config_drive: '',
    access_ip_v4: null, access_ip_v6: null, hostname: 'vm', reservation_id: 'r', launch_index: 0, metadata: '{}', system_metadata: '{}',
    info_cache: '[]', security_groups: '[]', progress: 0, launched_at: null, terminated_at: null, created_at: now, updated_at: now,
    deleted_at: null, deleted, root_device_name: null, trusted_certs: null, migration_host: null,
  }).execute()
}

async function overQuota(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  assert.ok(err instanceof NovaError, `expected a NovaError, got ${String(err)}`)
  assert.equal(err.status, 403)
  return err.message
}

describe('limits', () => {
  test('a user row beats the project row, which beats the default class, which beats the configuration', async () => {
    assert.equal((await defaultQuotas(database.db, config)).cores, 20)
    assert.equal((await defaultQuotas(database.db, config)).fixed_ips, -1)
    await setClassQuotas(database.db, 'default', { cores: 30 })
    assert.equal((await quotaLimits(database.db, config, 'p-limits')).cores, 30)
    await setQuotaLimits(database.db, 'p-limits', undefined, { cores: 40 })
    assert.equal((await quotaLimits(database.db, config, 'p-limits')).cores, 40)
    await setQuotaLimits(database.db, 'p-limits', 'u1', { cores: 8 })
    assert.equal((await quotaLimits(database.db, config, 'p-limits', 'u1')).cores, 8)
    assert.equal((await quotaLimits(database.db, config, 'p-limits', 'u2')).cores, 40)
    await setClassQuotas(database.db, 'default', { cores: 20 })
  })

  test('settable range: a project cannot go below what it uses or hands to users; a user not above what is left', async () => {
    await addInstance('p-settable', 'u1', 4, 1024)
    await setQuotaLimits(database.db, 'p-settable', undefined, { cores: 20 })
    await setQuotaLimits(database.db, 'p-settable', 'u2', { cores: 10 })
    const project = await settableQuotas(database.db, config, 'p-settable')
    assert.deepEqual(project.cores, { minimum: 10, maximum: -1 })
    assert.deepEqual(project.instances, { minimum: 1, maximum: -1 })
    const user = await settableQuotas(database.db, config, 'p-settable', 'u2')
    assert.deepEqual(user.cores, { minimum: 0, maximum: 20 })
  })
})

describe('checkServerQuota', () => {
  test('counts servers that are neither deleted nor soft-deleted, and words the refusal as Nova', async () => {
    await addInstance('p-servers', 'u1', 19, 512)
    await addInstance('p-servers', 'u1', 8, 512, 'soft-delete')
    await addInstance('p-servers', 'u1', 8, 512, 'deleted', 1)
    assert.deepEqual({ ...(await quotaUsages(database.db, 'p-servers')) }.cores, 19)
    await checkServerQuota(database.db, config, 'p-servers', 'u1', { instances: 1, cores: 1, ram: 512 })
    assert.equal(await overQuota(checkServerQuota(database.db, config, 'p-servers', 'u1', { instances: 1, cores: 2, ram: 512 })),
      'Quota exceeded for cores: Requested 2, but already used 19 of 20 cores')
    assert.equal(await overQuota(checkServerQuota(database.db, config, 'p-servers', 'u1', { instances: 1, cores: 2, ram: 51200 })),
      'Quota exceeded for cores, ram: Requested 2, 51200, but already used 19, 512 of 20, 51200 cores, ram')
  })

  test('a user with limits of their own is held to them as well as to the project', async () => {
    await addInstance('p-user', 'u1', 2, 512)
    await setQuotaLimits(database.db, 'p-user', 'u1', { instances: 1 })
    assert.equal(await overQuota(checkServerQuota(database.db, config, 'p-user', 'u1', { instances: 1, cores: 1, ram: 1 })),
      'Quota exceeded for instances: Requested 1, but already used 1 of 1 instances')
    await checkServerQuota(database.db, config, 'p-user', 'u2', { instances: 1, cores: 1, ram: 1 })
  })

  test('-1 is unlimited', async () => {
    await setQuotaLimits(database.db, 'p-unlimited', undefined, { cores: -1 })
    await checkServerQuota(database.db, config, 'p-unlimited', 'u1', { instances: 1, cores: 100000, ram: 1 })
  })
})

describe('checkQuota', () => {
  test('key pairs are counted per user', async () => {
    const now = new Date().toISOString()
    for (const name of ['a', 'b']) {
      await database.db.insertInto('keypairs').values({ user_id: 'kp-user', name, type: 'ssh', public_key: 'k', fingerprint: 'f', created_at: now }).execute()
    }
    assert.equal(await overQuota(checkQuota(database.db, config, 'p-kp', 'key_pairs', 1, { userId: 'kp-user' })), 'Quota exceeded, too many key pairs.')
    await checkQuota(database.db, config, 'p-kp', 'key_pairs', 1, { userId: 'other-user' })
  })

  test('metadata items are a plain limit', async () => {
    await checkQuota(database.db, config, 'p-md', 'metadata_items', 128)
    assert.equal(await overQuota(checkQuota(database.db, config, 'p-md', 'metadata_items', 129)), 'Maximum number of metadata items exceeds 128')
  })
})
