import assert from 'node:assert/strict'
import { test } from 'node:test'
import { statesForStatus, statusOf } from './states.ts'

test('status follows vm_state and task_state as Nova maps them', () => {
  assert.equal(statusOf('active', null), 'ACTIVE')
  assert.equal(statusOf('active', 'rebooting'), 'REBOOT')
  assert.equal(statusOf('active', 'rebooting_hard'), 'HARD_REBOOT')
  assert.equal(statusOf('active', 'powering-off'), 'ACTIVE')
  assert.equal(statusOf('stopped', null), 'SHUTOFF')
  assert.equal(statusOf('stopped', 'resize_prep'), 'RESIZE')
  assert.equal(statusOf('resized', null), 'VERIFY_RESIZE')
  assert.equal(statusOf('resized', 'resize_reverting'), 'REVERT_RESIZE')
  assert.equal(statusOf('building', 'spawning'), 'BUILD')
  assert.equal(statusOf('paused', 'migrating'), 'MIGRATING')
  assert.equal(statusOf('shelved_offloaded', null), 'SHELVED_OFFLOADED')
  assert.equal(statusOf('rescued', null), 'RESCUE')
  assert.equal(statusOf('nonsense', null), 'UNKNOWN')
})

test('a status filter selects vm_states, and task_states only where the status needs one', () => {
  assert.deepEqual(statesForStatus('shutoff'), { vmStates: ['stopped'], taskStates: undefined })
  const reboot = statesForStatus('REBOOT')!
  assert.deepEqual(reboot.vmStates, ['active'])
  assert.deepEqual(reboot.taskStates?.sort(), ['reboot_pending', 'reboot_started', 'rebooting'])
  assert.equal(statesForStatus('NOT_A_STATUS'), undefined)
  assert.deepEqual(statesForStatus('ACTIVE')!.taskStates, undefined)
})
