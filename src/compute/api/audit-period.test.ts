import assert from 'node:assert/strict'
import { test } from 'node:test'
import { lastCompletedAuditPeriod, parseAuditTimestamp, pythonDatetimeText } from './audit-period.ts'

const at = (text: string) => {
  const t = parseAuditTimestamp(text)
  assert.ok(t !== undefined, text)
  return t
}
const period = (unit: string, before: string) => {
  const p = lastCompletedAuditPeriod(unit, at(before))
  return [pythonDatetimeText(p.begin), pythonDatetimeText(p.end)]
}

// Expected values are what Nova's utils.last_completed_audit_period answers for the same input.
test('month periods end on the first (or the offset day) before the time, even across a year', () => {
  assert.deepEqual(period('month', '2012-07-05 10:00:00'), ['2012-06-01 00:00:00', '2012-07-01 00:00:00'])
  assert.deepEqual(period('month', '2024-03-10 00:00:00'), ['2024-02-01 00:00:00', '2024-03-01 00:00:00'])
  // A period is completed only after its end: midnight of the first still belongs to the one before.
  assert.deepEqual(period('month', '2024-01-01 00:00:00'), ['2023-11-01 00:00:00', '2023-12-01 00:00:00'])
  assert.deepEqual(period('month', '2024-01-01 00:00:00.000001'), ['2023-12-01 00:00:00', '2024-01-01 00:00:00'])
  assert.deepEqual(period('month@15', '2024-01-10 00:00:00'), ['2023-11-15 00:00:00', '2023-12-15 00:00:00'])
})

test('year, day and hour periods with and without offsets', () => {
  assert.deepEqual(period('year', '2024-01-01 00:00:00'), ['2022-01-01 00:00:00', '2023-01-01 00:00:00'])
  assert.deepEqual(period('year@3', '2024-05-02 00:00:00'), ['2023-03-01 00:00:00', '2024-03-01 00:00:00'])
  assert.deepEqual(period('day', '2024-03-01 05:00:00'), ['2024-02-29 00:00:00', '2024-03-01 00:00:00'])
  assert.deepEqual(period('day@18', '2024-03-01 05:00:00'), ['2024-02-28 18:00:00', '2024-02-29 18:00:00'])
  assert.deepEqual(period('hour', '2024-03-01 00:10:00'), ['2024-02-29 23:00:00', '2024-03-01 00:00:00'])
  assert.deepEqual(period('hour@30', '2024-03-01 00:10:00'), ['2024-02-29 22:30:00', '2024-02-29 23:30:00'])
})

test('timestamps parse as Python strptime does, and what it refuses is undefined', () => {
  assert.equal(pythonDatetimeText(at('2012-7-5 1:2:3')), '2012-07-05 01:02:03')
  assert.equal(pythonDatetimeText(at('2012-07-05 10:00:00.5')), '2012-07-05 10:00:00.500000')
  assert.equal(pythonDatetimeText(at('2012-07-05  10:00:00')), '2012-07-05 10:00:00')
  for (const bad of ['invalid_time', '2012-02-30 10:00:00', '2012-07-05 10:00:60', '2012-07-05T10:00:00', '2012-07-05 10:00', '0000-01-01 00:00:00', '2012-07-05 10:00:00.']) {
    assert.equal(parseAuditTimestamp(bad), undefined, bad)
  }
})

test('no time given is the period completed before now', () => {
  const p = lastCompletedAuditPeriod('month')
  const now = new Date()
  assert.equal(pythonDatetimeText(p.end), `${now.toISOString().slice(0, 7)}-01 00:00:00`)
  assert.ok(p.begin < p.end)
})
