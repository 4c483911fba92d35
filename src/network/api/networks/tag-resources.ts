/**
 * The resources that carry tags (Neutron's standard-attr-tag), one row each: URL collection, route
 * parameter, policy resource name, the `resource_tags.resource_type` their rows use, their table
 * (for the revision bump a tag change causes) and the policy target Neutron's default rules read.
 * Every handler that renders `tags` must read them with the resource_type given here.
 */
import type { Kysely, Transaction } from 'kysely'
import { fromDbBool } from '../../../common/db/columns.ts'
import type { NetworkDb } from '../../db/schema.ts'
import { NeutronError } from '../../errors.ts'
import { deviceOwnerPrefix } from '../../policies.ts'

type Db = Kysely<NetworkDb> | Transaction<NetworkDb>
type Table = 'networks' | 'subnets' | 'ports' | 'routers' | 'floating_ips' | 'security_groups' | 'subnetpools'

export type TagResource = {
  /** Path segment under /v2.0. */
  collection: string
  /** Route parameter name of the resource id (shared with the resource's own routes). */
  param: string
  /** Policy resource name: get_<resource>, update_<resource>:tags, … */
  resource: string
  /** resource_tags.resource_type. */
  tagType: string
  table: Table
  /** Neutron's 404 for this resource. */
  notFound: (id: string) => NeutronError
  /** The policy target of the resource, undefined when it does not exist. */
  target: (db: Db, id: string) => Promise<Record<string, unknown> | undefined>
}

const owned = (projectId: string, extra: Record<string, unknown> = {}) => ({ project_id: projectId, tenant_id: projectId, ...extra })

async function networkFacts(db: Db, networkId: string): Promise<Record<string, unknown>> {
  const n = await db.selectFrom('networks').select(['project_id', 'shared', 'external']).where('id', '=', networkId).executeTakeFirst()
  return {
    'network:project_id': n?.project_id, 'network:tenant_id': n?.project_id,
    shared: n ? fromDbBool(n.shared) : false, 'router:external': n ? fromDbBool(n.external) : false,
  }
}

const nf = (type: string, message: (id: string) => string) => (id: string) => new NeutronError(404, type, message(id))

export const TAG_RESOURCES: readonly TagResource[] = [
  {
    collection: 'networks', param: 'network_id', resource: 'network', tagType: 'networks', table: 'networks',
    notFound: nf('NetworkNotFound', (id) => `Network ${id} could not be found.`),
    async target(db, id) {
      const r = await db.selectFrom('networks').select(['id', 'project_id', 'shared', 'external']).where('id', '=', id).executeTakeFirst()
      return r && owned(r.project_id, { id, shared: fromDbBool(r.shared), 'router:external': fromDbBool(r.external) })
    },
  },
  {
    collection: 'subnets', param: 'subnet_id', resource: 'subnet', tagType: 'subnets', table: 'subnets',
    notFound: nf('SubnetNotFound', (id) => `Subnet ${id} could not be found.`),
    async target(db, id) {
      const r = await db.selectFrom('subnets').select(['project_id', 'network_id']).where('id', '=', id).executeTakeFirst()
      return r && owned(r.project_id, { id, network_id: r.network_id, ...(await networkFacts(db, r.network_id)) })
    },
  },
  {
    collection: 'ports', param: 'port_id', resource: 'port', tagType: 'ports', table: 'ports',
    notFound: nf('PortNotFound', (id) => `Port ${id} could not be found.`),
    async target(db, id) {
      const r = await db.selectFrom('ports').select(['project_id', 'network_id', 'device_owner']).where('id', '=', id).executeTakeFirst()
      if (!r) return undefined
      const { shared, ...net } = await networkFacts(db, r.network_id)
      return owned(r.project_id, {
        id, network_id: r.network_id, device_owner: r.device_owner, device_owner_prefix: deviceOwnerPrefix(r.device_owner),
        'network:project_id': net['network:project_id'], 'network:tenant_id': net['network:tenant_id'], shared,
      })
    },
  },
  {
    collection: 'routers', param: 'router_id', resource: 'router', tagType: 'routers', table: 'routers',
    notFound: nf('RouterNotFound', (id) => `Router ${id} could not be found`),
    async target(db, id) {
      const r = await db.selectFrom('routers').select('project_id').where('id', '=', id).executeTakeFirst()
      return r && owned(r.project_id, { id })
    },
  },
  {
    collection: 'floatingips', param: 'floatingip_id', resource: 'floatingip', tagType: 'floatingips', table: 'floating_ips',
    notFound: nf('FloatingIPNotFound', (id) => `Floating IP ${id} could not be found`),
    async target(db, id) {
      const r = await db.selectFrom('floating_ips').select('project_id').where('id', '=', id).executeTakeFirst()
      return r && owned(r.project_id, { id })
    },
  },
  {
    collection: 'security-groups', param: 'security_group_id', resource: 'security_group', tagType: 'security_groups', table: 'security_groups',
    notFound: nf('SecurityGroupNotFound', (id) => `Security group ${id} does not exist`),
    async target(db, id) {
      const r = await db.selectFrom('security_groups').select('project_id').where('id', '=', id).executeTakeFirst()
      return r && owned(r.project_id, { id, shared: false })
    },
  },
  {
    collection: 'subnetpools', param: 'subnetpool_id', resource: 'subnetpool', tagType: 'subnetpools', table: 'subnetpools',
    notFound: nf('SubnetPoolNotFound', (id) => `Subnet pool ${id} could not be found.`),
    async target(db, id) {
      const r = await db.selectFrom('subnetpools').select(['project_id', 'shared']).where('id', '=', id).executeTakeFirst()
      return r && owned(r.project_id, { id, shared: fromDbBool(r.shared) })
    },
  },
]

/** resource_tags.resource_type by URL collection, e.g. tagTypeOf('security-groups') === 'security_groups'. */
export function tagTypeOf(collection: string): string {
  const r = TAG_RESOURCES.find((t) => t.collection === collection)
  if (!r) throw new Error(`no taggable collection ${collection}`)
  return r.tagType
}
