/**
 * @module Shared by the placement functional tests: a cloud running placement, an admin client
 * that speaks a chosen microversion, and builders for providers with inventory.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { startTestCloud, type TestCloud, type TestCloudOptions } from '../../support/cloud.ts'
import type { ApiClient, ApiResult } from '../../support/client.ts'

export type PlacementCloud = {
  cloud: TestCloud
  /** Placement client with the admin token. */
  admin: ApiClient
  /** Admin calls at microversion 1.`minor` ('latest' by default). */
  at(minor?: number | 'latest'): Versioned
  stop(): Promise<void>
}

export type Versioned = {
  get(path: string): Promise<ApiResult>
  put(path: string, body?: unknown): Promise<ApiResult>
  post(path: string, body?: unknown): Promise<ApiResult>
  delete(path: string): Promise<ApiResult>
}

export function versioned(client: ApiClient, minor: number | 'latest' = 'latest'): Versioned {
  const h = { 'openstack-api-version': `placement ${minor === 'latest' ? 'latest' : `1.${minor}`}` }
  return {
    get: (p) => client.get(p, h),
    put: (p, b) => client.put(p, b, h),
    post: (p, b) => client.post(p, b, h),
    delete: (p) => client.delete(p, h),
  }
}

export async function startPlacementCloud(opts: TestCloudOptions = {}): Promise<PlacementCloud> {
  const cloud = await startTestCloud({ ...opts, services: ['placement', ...(opts.services ?? [])] })
  const admin = cloud.service('placement', await cloud.admin())
  return { cloud, admin, at: (m) => versioned(admin, m), stop: () => cloud.stop() }
}

export type Inventory = { total: number; reserved?: number; min_unit?: number; max_unit?: number; step_size?: number; allocation_ratio?: number }

/** Creates a provider (optionally under a parent) with these inventories; returns its uuid. */
export async function provider(
  api: Versioned, name: string, inventories: Record<string, Inventory> = {}, opts: { parent?: string; traits?: string[]; aggregates?: string[] } = {},
): Promise<string> {
  const uuid = randomUUID()
  const made = await api.post('/resource_providers', { name, uuid, ...(opts.parent ? { parent_provider_uuid: opts.parent } : {}) })
  assert.equal(made.status, 200, JSON.stringify(made.body))
  let generation = made.body.generation
  if (Object.keys(inventories).length) {
    const inv = await api.put(`/resource_providers/${uuid}/inventories`, { resource_provider_generation: generation, inventories })
    assert.equal(inv.status, 200, JSON.stringify(inv.body))
    generation = inv.body.resource_provider_generation
  }
  if (opts.traits) {
    for (const t of opts.traits) if (t.startsWith('CUSTOM_')) await api.put(`/traits/${t}`)
    const tr = await api.put(`/resource_providers/${uuid}/traits`, { traits: opts.traits, resource_provider_generation: generation })
    assert.equal(tr.status, 200, JSON.stringify(tr.body))
    generation = tr.body.resource_provider_generation
  }
  if (opts.aggregates) {
    const ag = await api.put(`/resource_providers/${uuid}/aggregates`, { aggregates: opts.aggregates, resource_provider_generation: generation })
    assert.equal(ag.status, 200, JSON.stringify(ag.body))
  }
  return uuid
}

/** The placement error of a response: its status, code and detail. */
export function placementError(res: ApiResult): { status: number; code?: string; detail: string } {
  const e = res.body?.errors?.[0]
  assert.ok(e, `expected a placement error body, got ${res.status} ${JSON.stringify(res.body)}`)
  return { status: e.status, code: e.code, detail: e.detail }
}

export const consumer = (): string => randomUUID()
