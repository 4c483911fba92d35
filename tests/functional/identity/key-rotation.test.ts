/** `nubis identity fernet-rotate` while the API runs: live tokens survive until their key is purged. */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { silentLogger } from '../../../src/common/log/logger.ts'
import { rotateFernetKeys } from '../../../src/identity/services.ts'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'

describe('Fernet key rotation', () => {
  let cloud: TestCloud
  before(async () => { cloud = await startTestCloud() })
  after(() => cloud.stop())

  test('a token outlives one rotation and dies once its key leaves the repository', async () => {
    const demo = await cloud.demo()
    const validate = async () => (await demo.get('/v3/auth/tokens', { 'x-subject-token': demo.token! })).status
    assert.equal(await validate(), 200)
    rotateFernetKeys(cloud.config, silentLogger)
    assert.equal(await validate(), 200, 'the old primary is now a secondary key')
    const fresh = await cloud.demo()
    assert.equal((await fresh.get('/v3/auth/catalog')).status, 200, 'new tokens use the new primary')
    rotateFernetKeys(cloud.config, silentLogger)
    rotateFernetKeys(cloud.config, silentLogger)
    assert.equal(await validate(), 401, 'its key was purged (at most 3 keys are kept)')
  })
})
