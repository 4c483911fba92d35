/**
 * @module Subnet pools (db_base_plugin_v2 create/update/delete_subnetpool, add/remove_prefixes):
 * the attribute map, prefix compaction and bounds through the IPAM's SubnetPoolReader, one default
 * pool per IP version, prefixes that may only grow by update, deletion only without subnets.
 */
import { randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import type { NetworkDb, SubnetPoolRow } from '../../db/schema.ts'
import { badRequest, NeutronError } from '../../errors.ts'
import { compactPrefixes, InvalidInput, readSubnetPool, validateSubnet } from '../../ipam/index.ts'
import type { NetworkDeps, NetworkRequest } from '../context.ts'
import {
  NOT_SPECIFIED, ownerAttrs, pyRepr, toBoolean, toInt, validateNonNegative, validateNotEmptyName, type AttrMap,
} from '../ports/attribute-map.ts'
import { bumped, deleteTags, newStandardAttrs } from '../standard-attrs.ts'
import { prefixesCover, prefixesDisjoint, removePrefixes } from './prefix-sets.ts'
import { subnetPoolVisible } from './subnetpool-view.ts'

type Db = Kysely<NetworkDb> | Transaction<NetworkDb>
type Body = Record<string, any>

/** validate_subnet_list. */
function validateSubnetList(value: unknown): string | undefined {
  if (!Array.isArray(value)) return `'${pyRepr(value)}' is not a list`
  const dups = value.filter((v, i) => value.indexOf(v) !== i)
  if (dups.length) return `Duplicate items in the list: '${[...new Set(dups)].map((d) => pyRepr(d)).join(', ')}'`
  for (const item of value) {
    const msg = validateSubnet(item)
    if (msg) return msg
  }
  return undefined
}

export const subnetPoolAttributes: AttrMap = {
  id: {},
  name: { post: true, put: true, validate: (v) => validateNotEmptyName(v) },
  ...ownerAttrs,
  prefixes: { post: true, put: true, validate: validateSubnetList },
  default_quota: { post: true, put: true, default: NOT_SPECIFIED, convert: (v) => (v === null ? v : toInt(v)), validate: (v) => (v === null ? undefined : validateNonNegative(v)) },
  ip_version: {},
  default_prefixlen: { post: true, put: true, default: NOT_SPECIFIED, convert: toInt, validate: validateNonNegative },
  min_prefixlen: { post: true, put: true, default: NOT_SPECIFIED, convert: toInt, validate: validateNonNegative },
  max_prefixlen: { post: true, put: true, default: NOT_SPECIFIED, convert: toInt, validate: validateNonNegative },
  is_default: { post: true, put: true, default: false, convert: toBoolean },
  shared: { post: true, default: false, convert: toBoolean },
  address_scope_id: {},
}

/** _check_default_subnetpool_exists: among the pools the caller sees. */
async function checkNoDefaultPool(deps: NetworkDeps, req: NetworkRequest, db: Db, ipVersion: number, except?: string): Promise<void> {
  const defaults = await db.selectFrom('subnetpools').selectAll().where('is_default', '=', 1).where('ip_version', '=', ipVersion).execute()
  if (defaults.some((p) => p.id !== except && subnetPoolVisible(deps, req, p))) {
    throw new InvalidInput('A default subnetpool for this IP family has already been set. Only one default may exist per IP family')
  }
}

export async function createSubnetPool(deps: NetworkDeps, req: NetworkRequest, db: Db, s: Body): Promise<SubnetPoolRow> {
  const info = readSubnetPool({
    prefixes: s.prefixes, minPrefixLength: s.min_prefixlen, maxPrefixLength: s.max_prefixlen, defaultPrefixLength: s.default_prefixlen,
  })
  if (s.is_default) await checkNoDefaultPool(deps, req, db, info.ipVersion)
  const row: SubnetPoolRow = {
    id: randomUUID(), project_id: s.project_id, name: s.name, ip_version: info.ipVersion, prefixes: JSON.stringify(info.prefixes),
    default_prefixlen: info.defaultPrefixLength, min_prefixlen: info.minPrefixLength, max_prefixlen: info.maxPrefixLength,
    shared: s.shared ? 1 : 0, is_default: s.is_default ? 1 : 0, default_quota: s.default_quota ?? null, address_scope_id: null,
    ...newStandardAttrs(s.description),
  }
  await db.insertInto('subnetpools').values(row).execute()
  return row
}

/** update_subnetpool: prefixes may only grow; bounds re-read and re-checked over the merged pool. */
export async function updateSubnetPool(deps: NetworkDeps, req: NetworkRequest, db: Db, orig: SubnetPoolRow, s: Body): Promise<SubnetPoolRow> {
  const origPrefixes = JSON.parse(orig.prefixes) as string[]
  let prefixes = origPrefixes
  if (s.prefixes !== undefined) {
    if (!prefixesCover(s.prefixes, origPrefixes)) {
      throw new NeutronError(400, 'IllegalSubnetPoolPrefixUpdate', 'Illegal update to prefixes: Existing prefixes must be a subset of the new prefixes.')
    }
    prefixes = compactPrefixes(s.prefixes)
  }
  const info = readSubnetPool({
    prefixes, minPrefixLength: s.min_prefixlen ?? orig.min_prefixlen, maxPrefixLength: s.max_prefixlen ?? orig.max_prefixlen,
    defaultPrefixLength: s.default_prefixlen ?? orig.default_prefixlen,
  })
  if (info.ipVersion !== orig.ip_version) throw new NeutronError(400, 'PrefixVersionMismatch', 'Cannot mix IPv4 and IPv6 prefixes in a subnet pool.')
  if (s.is_default && !orig.is_default) await checkNoDefaultPool(deps, req, db, info.ipVersion, orig.id)
  const set: Partial<SubnetPoolRow> = {
    ...(s.name !== undefined && { name: s.name }),
    ...(s.description !== undefined && { description: s.description }),
    ...(s.is_default !== undefined && { is_default: s.is_default ? 1 : 0 }),
    ...(s.default_quota !== undefined && { default_quota: s.default_quota }),
    prefixes: JSON.stringify(info.prefixes),
    min_prefixlen: info.minPrefixLength, max_prefixlen: info.maxPrefixLength, default_prefixlen: info.defaultPrefixLength,
    ...bumped(orig.revision_number),
  }
  await db.updateTable('subnetpools').set(set).where('id', '=', orig.id).execute()
  return { ...orig, ...set }
}

/** delete_subnetpool: 400 SubnetPoolDeleteError while subnets were carved from it. */
export async function deleteSubnetPool(db: Db, pool: SubnetPoolRow): Promise<void> {
  const used = await db.selectFrom('subnets').select('id').where('subnetpool_id', '=', pool.id).executeTakeFirst()
  if (used) throw new NeutronError(400, 'SubnetPoolDeleteError', 'Unable to delete subnet pool: Subnet pool has existing allocations.')
  await deleteTags(db, 'subnetpools', pool.id)
  await db.deleteFrom('subnetpools').where('id', '=', pool.id).execute()
}

/** get_operation_request_body of subnetpool-prefix-ops. */
export function prefixOpBody(body: unknown): string[] {
  const prefixes = body && typeof body === 'object' && !Array.isArray(body) ? (body as Body).prefixes : undefined
  if (!Array.isArray(prefixes) || !prefixes.length) throw badRequest('Request body contains invalid data')
  const msg = validateSubnetList(prefixes)
  if (msg) throw badRequest(`Invalid input for prefixes. Reason: ${msg}.`)
  return prefixes
}

/** add_prefixes: the pool's prefixes with these added (an update, so the result is compacted). */
export async function addPrefixes(deps: NetworkDeps, req: NetworkRequest, db: Db, pool: SubnetPoolRow, added: string[]): Promise<string[]> {
  const updated = await updateSubnetPool(deps, req, db, pool, { prefixes: [...JSON.parse(pool.prefixes) as string[], ...added] })
  return JSON.parse(updated.prefixes)
}

/** remove_prefixes: refused when a subnet of the pool lies in a removed prefix. */
export async function removePoolPrefixes(db: Db, pool: SubnetPoolRow, removed: string[]): Promise<string[]> {
  const current = JSON.parse(pool.prefixes) as string[]
  if (prefixesDisjoint(current, removed)) return current
  const subnets = (await db.selectFrom('subnets').select('cidr').where('subnetpool_id', '=', pool.id).execute()).map((r) => r.cidr)
  if (!prefixesDisjoint(subnets, removed)) {
    throw new NeutronError(400, 'IllegalSubnetPoolPrefixUpdate', 'Illegal update to prefixes: One or more the prefixes to be removed is in use by a subnet.')
  }
  const prefixes = removePrefixes(current, removed)
  await db.updateTable('subnetpools').set({ prefixes: JSON.stringify(prefixes), ...bumped(pool.revision_number) }).where('id', '=', pool.id).execute()
  return prefixes
}
