import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '../errors.ts'
import { configSchema, describeConfig, loadConfig } from './load-config.ts'

const schema = configSchema(
  { dataDir: { type: 'string', default: '/d', description: 'state' } },
  {
    identity: {
      type: 'object', additionalProperties: false,
      properties: {
        port: { type: 'integer', default: 5000, description: 'port' },
        nested: { type: 'object', additionalProperties: false, default: {}, properties: { on: { type: 'boolean', default: false } } },
      },
    },
  },
)

test('defaults fill every section', () => {
  const c = loadConfig<any>({ schema, env: {} })
  assert.deepEqual(c, { dataDir: '/d', identity: { port: 5000, nested: { on: false } } })
})

test('file, then environment, then overrides', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nubis-cfg-'))
  try {
    const file = join(dir, 'nubis.yaml')
    writeFileSync(file, 'identity:\n  port: 6000\n  nested:\n    on: true\n')
    const c = loadConfig<any>({ schema, file, env: { NUBIS_IDENTITY__PORT: '7000', NUBIS_DATA_DIR: '/env' } })
    assert.equal(c.identity.port, 7000)
    assert.equal(c.identity.nested.on, true)
    assert.equal(c.dataDir, '/env')
    assert.equal(loadConfig<any>({ schema, file, env: {}, overrides: { identity: { port: 1 } } }).identity.port, 1)
  } finally {
    rmSync(dir, { recursive: true })
  }
})

test('unknown keys, wrong types and bad environment values are refused with the key named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nubis-cfg-'))
  try {
    const file = join(dir, 'nubis.yaml')
    writeFileSync(file, 'identity:\n  prot: 6000\n')
    assert.throws(() => loadConfig({ schema, file, env: {} }), (e: unknown) => e instanceof ConfigError && /unknown key identity.prot/.test(e.message))
    assert.throws(() => loadConfig({ schema, env: { NUBIS_IDENTITY__PORT: 'many' } }), /NUBIS_IDENTITY__PORT=many is not a number/)
    assert.throws(() => loadConfig({ schema, env: {}, overrides: { identity: { port: 'x' } } }), /identity.port: must be integer/)
  } finally {
    rmSync(dir, { recursive: true })
  }
})

test('help lists every key with its default', () => {
  assert.deepEqual(describeConfig(schema), [
    'dataDir (default "/d"): state', 'identity.port (default 5000): port', 'identity.nested.on (default false): ',
  ])
})
