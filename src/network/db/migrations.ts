import type { CreateTableBuilder, Kysely, Migration } from 'kysely'

const id = 'varchar(64)'
const name = 'varchar(255)'
const time = 'varchar(32)'
const ip = 'varchar(64)'

/** description, created_at, updated_at, revision_number: Neutron's standard attributes. */
function standard<T extends string>(t: CreateTableBuilder<T, any>): CreateTableBuilder<T, any> {
  return t
    .addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull().defaultTo(0))
}

const bool = (t: CreateTableBuilder<any, any>, col: string, d: 0 | 1) =>
  t.addColumn(col, 'integer', (c) => c.notNull().defaultTo(d))

/**
 * Network schema history; append new migrations, never edit an applied one. 0002, 0003 and 0005
 * were reserved during the first build and never used: new migrations start at 0007, since the
 * runner refuses names that sort before an applied one.
 */
export const networkMigrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<any>) {
      const s = db.schema
      let t = s.createTable('networks')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('project_id', id, (c) => c.notNull())
        .addColumn('name', name, (c) => c.notNull().defaultTo(''))
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('mtu', 'integer', (c) => c.notNull())
        .addColumn('availability_zone_hints', 'text', (c) => c.notNull())
        .addColumn('dns_domain', name, (c) => c.notNull().defaultTo(''))
      for (const [col, d] of [['admin_state_up', 1], ['shared', 0], ['external', 0], ['is_default', 0], ['port_security_enabled', 1]] as const) t = bool(t, col, d)
      await standard(t).execute()
      await s.createIndex('networks_project').on('networks').column('project_id').execute()

      await standard(s.createTable('network_segments')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('network_id', id, (c) => c.notNull().references('networks.id').onDelete('cascade'))
        .addColumn('name', name)
        .addColumn('network_type', 'varchar(32)', (c) => c.notNull())
        .addColumn('physical_network', 'varchar(64)')
        .addColumn('segmentation_id', 'integer')
        .addColumn('segment_index', 'integer', (c) => c.notNull().defaultTo(0))).execute()
      await s.createIndex('network_segments_network').on('network_segments').column('network_id').execute()

      await s.createTable('segment_allocations')
        .addColumn('network_type', 'varchar(32)', (c) => c.notNull())
        .addColumn('physical_network', 'varchar(64)', (c) => c.notNull())
        .addColumn('segmentation_id', 'integer', (c) => c.notNull())
        .addColumn('network_id', id, (c) => c.notNull().references('networks.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('segment_allocations_pk', ['network_type', 'physical_network', 'segmentation_id'])
        .execute()

      await standard(s.createTable('subnetpools')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('project_id', id, (c) => c.notNull())
        .addColumn('name', name, (c) => c.notNull().defaultTo(''))
        .addColumn('ip_version', 'integer', (c) => c.notNull())
        .addColumn('prefixes', 'text', (c) => c.notNull())
        .addColumn('default_prefixlen', 'integer', (c) => c.notNull())
        .addColumn('min_prefixlen', 'integer', (c) => c.notNull())
        .addColumn('max_prefixlen', 'integer', (c) => c.notNull())
        .addColumn('shared', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('default_quota', 'integer')
        .addColumn('address_scope_id', id)).execute()

      await standard(s.createTable('subnets')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('project_id', id, (c) => c.notNull())
        .addColumn('network_id', id, (c) => c.notNull().references('networks.id'))
        .addColumn('name', name, (c) => c.notNull().defaultTo(''))
        .addColumn('ip_version', 'integer', (c) => c.notNull())
        .addColumn('cidr', 'varchar(64)', (c) => c.notNull())
        .addColumn('gateway_ip', ip)
        .addColumn('enable_dhcp', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('ipv6_ra_mode', 'varchar(32)')
        .addColumn('ipv6_address_mode', 'varchar(32)')
        .addColumn('subnetpool_id', id)
        .addColumn('segment_id', id)
        .addColumn('dns_nameservers', 'text', (c) => c.notNull())
        .addColumn('host_routes', 'text', (c) => c.notNull())
        .addColumn('allocation_pools', 'text', (c) => c.notNull())
        .addColumn('service_types', 'text', (c) => c.notNull())
        .addColumn('dns_publish_fixed_ip', 'integer', (c) => c.notNull().defaultTo(0))).execute()
      await s.createIndex('subnets_network').on('subnets').column('network_id').execute()

      let p = s.createTable('ports')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('project_id', id, (c) => c.notNull())
        .addColumn('network_id', id, (c) => c.notNull().references('networks.id'))
        .addColumn('name', name, (c) => c.notNull().defaultTo(''))
        .addColumn('mac_address', 'varchar(32)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('device_id', name, (c) => c.notNull().defaultTo(''))
        .addColumn('device_owner', name, (c) => c.notNull().defaultTo(''))
        .addColumn('binding_host_id', name, (c) => c.notNull().defaultTo(''))
        .addColumn('binding_vif_type', 'varchar(64)', (c) => c.notNull().defaultTo('unbound'))
        .addColumn('binding_vif_details', 'text', (c) => c.notNull())
        .addColumn('binding_vnic_type', 'varchar(64)', (c) => c.notNull().defaultTo('normal'))
        .addColumn('binding_profile', 'text', (c) => c.notNull())
        .addColumn('allowed_address_pairs', 'text', (c) => c.notNull())
        .addColumn('extra_dhcp_opts', 'text', (c) => c.notNull())
        .addColumn('dns_name', name, (c) => c.notNull().defaultTo(''))
        .addUniqueConstraint('ports_network_mac', ['network_id', 'mac_address'])
      for (const [col, d] of [['admin_state_up', 1], ['port_security_enabled', 1], ['propagate_uplink_status', 0]] as const) p = bool(p, col, d)
      await standard(p).execute()
      await s.createIndex('ports_project').on('ports').column('project_id').execute()
      await s.createIndex('ports_device').on('ports').column('device_id').execute()

      await s.createTable('ip_allocations')
        .addColumn('port_id', id, (c) => c.notNull().references('ports.id').onDelete('cascade'))
        .addColumn('subnet_id', id, (c) => c.notNull().references('subnets.id'))
        .addColumn('network_id', id, (c) => c.notNull())
        .addColumn('ip_address', ip, (c) => c.notNull())
        .addPrimaryKeyConstraint('ip_allocations_pk', ['network_id', 'ip_address'])
        .execute()
      await s.createIndex('ip_allocations_port').on('ip_allocations').column('port_id').execute()
      await s.createIndex('ip_allocations_subnet').on('ip_allocations').column('subnet_id').execute()

      await standard(s.createTable('security_groups')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('project_id', id, (c) => c.notNull())
        .addColumn('name', name, (c) => c.notNull().defaultTo(''))
        .addColumn('stateful', 'integer', (c) => c.notNull().defaultTo(1))).execute()
      await s.createTable('default_security_groups')
        .addColumn('project_id', id, (c) => c.primaryKey())
        .addColumn('security_group_id', id, (c) => c.notNull().references('security_groups.id').onDelete('cascade'))
        .execute()
      await standard(s.createTable('security_group_rules')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('project_id', id, (c) => c.notNull())
        .addColumn('security_group_id', id, (c) => c.notNull().references('security_groups.id').onDelete('cascade'))
        .addColumn('direction', 'varchar(16)', (c) => c.notNull())
        .addColumn('ethertype', 'varchar(8)', (c) => c.notNull())
        .addColumn('protocol', 'varchar(40)')
        .addColumn('port_range_min', 'integer')
        .addColumn('port_range_max', 'integer')
        .addColumn('remote_ip_prefix', 'varchar(64)')
        .addColumn('remote_group_id', id)
        .addColumn('remote_address_group_id', id)
        .addColumn('normalized_cidr', 'varchar(64)')).execute()
      await s.createIndex('security_group_rules_group').on('security_group_rules').column('security_group_id').execute()
      await s.createTable('port_security_groups')
        .addColumn('port_id', id, (c) => c.notNull().references('ports.id').onDelete('cascade'))
        .addColumn('security_group_id', id, (c) => c.notNull().references('security_groups.id'))
        .addPrimaryKeyConstraint('port_security_groups_pk', ['port_id', 'security_group_id'])
        .execute()

      let r = s.createTable('routers')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('project_id', id, (c) => c.notNull())
        .addColumn('name', name, (c) => c.notNull().defaultTo(''))
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('gw_port_id', id)
        .addColumn('routes', 'text', (c) => c.notNull())
        .addColumn('availability_zone_hints', 'text', (c) => c.notNull())
      for (const [col, d] of [['admin_state_up', 1], ['enable_snat', 1], ['distributed', 0], ['ha', 0]] as const) r = bool(r, col, d)
      await standard(r).execute()
      await s.createTable('router_ports')
        .addColumn('router_id', id, (c) => c.notNull().references('routers.id').onDelete('cascade'))
        .addColumn('port_id', id, (c) => c.notNull().references('ports.id').onDelete('cascade'))
        .addColumn('port_type', 'varchar(64)', (c) => c.notNull())
        .addPrimaryKeyConstraint('router_ports_pk', ['router_id', 'port_id'])
        .execute()

      await standard(s.createTable('floating_ips')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('project_id', id, (c) => c.notNull())
        .addColumn('floating_ip_address', ip, (c) => c.notNull())
        .addColumn('floating_network_id', id, (c) => c.notNull())
        .addColumn('floating_port_id', id, (c) => c.notNull())
        .addColumn('fixed_port_id', id)
        .addColumn('fixed_ip_address', ip)
        .addColumn('router_id', id)
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('dns_name', name, (c) => c.notNull().defaultTo(''))
        .addColumn('dns_domain', name, (c) => c.notNull().defaultTo(''))
        .addUniqueConstraint('floating_ips_fixed', ['floating_network_id', 'fixed_port_id', 'fixed_ip_address'])).execute()

      await s.createTable('network_quotas')
        .addColumn('project_id', id, (c) => c.notNull())
        .addColumn('resource', 'varchar(64)', (c) => c.notNull())
        .addColumn('limit', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('network_quotas_pk', ['project_id', 'resource'])
        .execute()

      await s.createTable('network_agents')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('agent_type', name, (c) => c.notNull())
        .addColumn('binary', name, (c) => c.notNull())
        .addColumn('topic', name, (c) => c.notNull())
        .addColumn('host', name, (c) => c.notNull())
        .addColumn('admin_state_up', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('availability_zone', name)
        .addColumn('configurations', 'text', (c) => c.notNull())
        .addColumn('resource_versions', 'text', (c) => c.notNull())
        .addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('started_at', time, (c) => c.notNull())
        .addColumn('heartbeat_timestamp', time, (c) => c.notNull())
        .addUniqueConstraint('network_agents_type_host', ['agent_type', 'host'])
        .execute()

      await s.createTable('resource_tags')
        .addColumn('resource_type', 'varchar(32)', (c) => c.notNull())
        .addColumn('resource_id', id, (c) => c.notNull())
        .addColumn('tag', name, (c) => c.notNull())
        .addPrimaryKeyConstraint('resource_tags_pk', ['resource_type', 'resource_id', 'tag'])
        .execute()
    },
  },
  '0004_security_groups': {
    // Neutron's securitygroupdefaultrules: the rules every new group starts with, seeded as upstream.
    async up(db: Kysely<any>) {
      await db.schema.createTable('security_group_default_rules')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo(''))
        .addColumn('direction', 'varchar(16)', (c) => c.notNull())
        .addColumn('ethertype', 'varchar(8)', (c) => c.notNull())
        .addColumn('protocol', 'varchar(40)')
        .addColumn('port_range_min', 'integer')
        .addColumn('port_range_max', 'integer')
        .addColumn('remote_ip_prefix', 'varchar(64)')
        .addColumn('remote_group_id', id)
        .addColumn('remote_address_group_id', id)
        .addColumn('used_in_default_sg', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('used_in_non_default_sg', 'integer', (c) => c.notNull().defaultTo(1))
        .execute()
      const rule = (direction: string, ethertype: string, parent: boolean) => ({
        id: crypto.randomUUID(), direction, ethertype, remote_group_id: parent ? 'PARENT' : null,
        used_in_default_sg: 1, used_in_non_default_sg: parent ? 0 : 1,
        description: `Legacy default SG rule for ${direction} traffic`,
      })
      await db.insertInto('security_group_default_rules').values([
        rule('egress', 'IPv4', false), rule('egress', 'IPv6', false), rule('ingress', 'IPv4', true), rule('ingress', 'IPv6', true),
      ]).execute()
    },
  },
  '0006_agents': {
    // Which L3 agent hosts each router (Neutron's routerl3agentbindings); one agent per router.
    async up(db: Kysely<any>) {
      await db.schema.createTable('router_l3_agent_bindings')
        .addColumn('router_id', id, (c) => c.primaryKey())
        .addColumn('l3_agent_id', id, (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('router_l3_agent_bindings_agent').on('router_l3_agent_bindings').column('l3_agent_id').execute()
    },
  },
}
