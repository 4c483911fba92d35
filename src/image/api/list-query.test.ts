import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseIsoTime, parseListParams, splitQuoted } from './list-query.ts'

const limits = { defaultLimit: 25, maxLimit: 1000 }
const parse = (qs: string) => parseListParams(new URLSearchParams(qs), limits)

test('defaults: newest first, accepted memberships, hidden images left out, 25 per page', () => {
  const p = parse('')
  assert.deepEqual([p.sortKeys, p.sortDirs, p.memberStatus, p.osHidden, p.limit], [['created_at'], ['desc'], 'accepted', false, 25])
})

test('limit is capped at the maximum; 0 is allowed', () => {
  assert.equal(parse('limit=5000').limit, 1000)
  assert.equal(parse('limit=0').limit, 0)
})

test('sort syntaxes: new with default direction, classic with one or many directions', () => {
  assert.deepEqual([parse('sort=name,size:asc').sortKeys, parse('sort=name,size:asc').sortDirs], [['name', 'size'], ['desc', 'asc']])
  assert.deepEqual(parse('sort_key=name&sort_key=size&sort_dir=asc').sortDirs, ['asc'])
  assert.throws(() => parse('sort_key=name&sort_key=size&sort_dir=asc&sort_dir=desc&sort_dir=asc'), /Number of sort dirs/)
})

test('filters: operators, ranges, times, properties and tags', () => {
  const p = parse('name=in:a,"b,c"&size_min=10&created_at=gte:2024-01-02T03:04:05Z&hw_disk_bus=virtio&tag=x&tag=y&owner=p1')
  assert.deepEqual(p.filters, [
    { column: 'name', op: 'in', value: ['a', 'b,c'] },
    { column: 'size', op: 'gte', value: 10 },
    { column: 'created_at', op: 'gte', value: '2024-01-02T03:04:05.000Z' },
    { column: 'owner', op: 'eq', value: 'p1' },
  ])
  assert.deepEqual(p.properties, { hw_disk_bus: 'virtio' })
  assert.deepEqual(p.tags, ['x', 'y'])
})

test('a bare ISO time with colons is an equality, as in Glance', () => {
  assert.deepEqual(parse('updated_at=2024-01-02T03:04:05Z').filters, [{ column: 'updated_at', op: 'eq', value: '2024-01-02T03:04:05.000Z' }])
  assert.throws(() => parse('name=a:b'), /Unable to filter by unknown operator 'a'/)
})

test('ISO 8601 forms oslo accepts', () => {
  assert.equal(parseIsoTime('2024-01-02')?.toISOString(), '2024-01-02T00:00:00.000Z')
  assert.equal(parseIsoTime('2024-01-02T03:04:05+02:00')?.toISOString(), '2024-01-02T01:04:05.000Z')
  assert.equal(parseIsoTime('2024-01-02T03:04:05.123456')?.toISOString(), '2024-01-02T03:04:05.123Z')
  assert.equal(parseIsoTime('yesterday'), undefined)
})

test('quoted in: values', () => {
  assert.deepEqual(splitQuoted('a,b'), ['a', 'b'])
  assert.deepEqual(splitQuoted('"a,b",c'), ['a,b', 'c'])
  assert.throws(() => splitQuoted('"a'), /quote is not closed/)
  assert.throws(() => splitQuoted('"a"b'), /no comma after closing quotation mark/)
  assert.throws(() => splitQuoted('a"b"'), /no comma before opening quotation mark/)
})
