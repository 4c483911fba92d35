/**
 * @module Shared suite every TypeDriver passes; each driver's test file is one call to
 * typeDriverContract(). The store is an in-memory SegmentAllocations with the database's semantics
 * (presence means held).
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { CloudError } from '../../../common/errors.ts'
import type { SegmentAllocations, SegmentRequest, TypeDriver } from './type-driver.ts'

/** SegmentAllocations in a Set, for tests. */
export class MemorySegmentAllocations implements SegmentAllocations {
  readonly held = new Set<string>()
  #key = (t: string, p: string, id: number) => `${t}/${p}/${id}`
  async taken(t: string, p: string): Promise<Set<number>> {
    const prefix = `${t}/${p}/`
    return new Set([...this.held].filter((k) => k.startsWith(prefix)).map((k) => Number(k.slice(prefix.length))))
  }
  async claim(t: string, p: string, id: number): Promise<boolean> {
    const k = this.#key(t, p, id)
    if (this.held.has(k)) return false
    this.held.add(k)
    return true
  }
  async release(t: string, p: string, id: number): Promise<void> {
    this.held.delete(this.#key(t, p, id))
  }
}

export type TypeDriverCase = {
  /** A fresh driver whose tenant pool (if it has one) holds exactly `tenantPoolSize` ids. */
  newDriver: () => TypeDriver
  /** A fully specified provider segment the driver accepts. */
  provider: SegmentRequest
  /** Provider segments the driver must refuse with 400, each with words from Neutron's message. */
  invalid: { segment: SegmentRequest; message: RegExp }[]
  /** Whether reserving the same provider segment twice must fail with 409 (false for types that hold nothing). */
  exclusive: boolean
  /** Size of the tenant pool; 0 when the type gives no project networks, Infinity when it never runs out. */
  tenantPoolSize: number
}

async function rejects(p: Promise<unknown>, status: number, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof CloudError, `expected a CloudError, got ${String(err)}`)
    assert.equal(err.status, status, err.message)
    if (message) assert.match(err.message, message)
    return true
  })
}

export function typeDriverContract(name: string, c: TypeDriverCase): void {
  describe(`${name} type driver contract`, () => {
    test('accepts its provider segment and reserves it with the driver MTU', async () => {
      const driver = c.newDriver()
      const store = new MemorySegmentAllocations()
      driver.validateProviderSegment(c.provider)
      assert.equal(driver.isPartialSegment(c.provider), false)
      const seg = await driver.reserveProviderSegment(store, c.provider)
      assert.equal(seg.networkType, driver.networkType)
      assert.equal(seg.physicalNetwork, c.provider.physicalNetwork)
      assert.equal(seg.segmentationId, c.provider.segmentationId)
      assert.equal(seg.mtu, driver.mtu(seg.physicalNetwork))
    })

    test('refuses invalid provider segments with 400 and Neutron words', () => {
      const driver = c.newDriver()
      for (const { segment, message } of c.invalid) {
        assert.throws(() => driver.validateProviderSegment(segment), (err: unknown) => {
          assert.ok(err instanceof CloudError)
          assert.equal(err.status, 400)
          assert.match(err.message, message)
          return true
        }, JSON.stringify(segment))
      }
    })

    test('a reserved segment is held until released, and releasing twice is harmless', async () => {
      const driver = c.newDriver()
      const store = new MemorySegmentAllocations()
      await driver.reserveProviderSegment(store, c.provider)
      if (c.exclusive) await rejects(driver.reserveProviderSegment(store, c.provider), 409)
      else await driver.reserveProviderSegment(store, c.provider)
      await driver.releaseSegment(store, c.provider)
      await driver.releaseSegment(store, c.provider)
      assert.equal(store.held.size, 0)
      await driver.reserveProviderSegment(store, c.provider)
    })

    test('releasing a segment that was never reserved succeeds', async () => {
      const store = new MemorySegmentAllocations()
      await c.newDriver().releaseSegment(store, c.provider)
      assert.equal(store.held.size, 0)
    })

    test('tenant segments are distinct, valid as provider segments, and run out at the pool size', async () => {
      const driver = c.newDriver()
      const store = new MemorySegmentAllocations()
      const size = Number.isFinite(c.tenantPoolSize) ? c.tenantPoolSize : 5
      const seen = new Set<string>()
      for (let i = 0; i < size; i++) {
        const seg = await driver.allocateTenantSegment(store)
        assert.ok(seg, `allocation ${i + 1} of ${size} found nothing`)
        assert.equal(seg.networkType, driver.networkType)
        assert.equal(seg.mtu, driver.mtu(seg.physicalNetwork))
        driver.validateProviderSegment(seg)
        assert.equal(driver.isPartialSegment(seg), false)
        seen.add(`${seg.physicalNetwork}/${seg.segmentationId}`)
      }
      if (Number.isFinite(c.tenantPoolSize)) {
        assert.equal(seen.size, size)
        assert.equal(await driver.allocateTenantSegment(store), undefined)
      }
    })

    test('a released tenant segment can be allocated again', async () => {
      if (c.tenantPoolSize === 0) return
      const driver = c.newDriver()
      const store = new MemorySegmentAllocations()
      const first = (await driver.allocateTenantSegment(store))!
      await driver.releaseSegment(store, first)
      if (Number.isFinite(c.tenantPoolSize)) {
        for (let i = 0; i < c.tenantPoolSize; i++) assert.ok(await driver.allocateTenantSegment(store))
        assert.equal(await driver.allocateTenantSegment(store), undefined)
      }
    })
  })
}
