/**
 * @module The compute service's tables (Nova's api and cell databases, flattened into one).
 * Values never queried on their own (an instance's metadata, its flavor snapshot, the network
 * info cache, system metadata) are JSON text. Booleans are 0/1 integers, times ISO-8601 text.
 * Instances are soft-deleted (`deleted` = 1, `deleted_at`), as Nova keeps them for listing
 * with `deleted=true` and `changes-since`.
 */
import type { Generated } from 'kysely'

export type FlavorRow = {
  flavorid: string
  name: string
  memory_mb: number
  vcpus: number
  root_gb: number
  ephemeral_gb: number
  swap: number
  rxtx_factor: number
  is_public: number
  disabled: number
  description: string | null
  created_at: string
  updated_at: string | null
}

export type FlavorExtraSpecRow = { flavorid: string; key: string; value: string }
export type FlavorProjectRow = { flavorid: string; project_id: string }

export type KeypairRow = {
  id: Generated<number>
  user_id: string
  name: string
  type: string
  public_key: string
  fingerprint: string
  created_at: string
}

export type InstanceRow = {
  uuid: string
  display_name: string
  display_description: string | null
  project_id: string
  user_id: string
  /** Image id, or '' for a server booted from a volume. */
  image_ref: string
  flavorid: string
  /** The flavor as it was at boot (or resize): JSON of {@link FlavorSnapshot}. */
  flavor: string
  /** During a resize: the flavor before (JSON) and after (JSON). */
  old_flavor: string | null
  new_flavor: string | null
  vcpus: number
  memory_mb: number
  root_gb: number
  ephemeral_gb: number
  swap: number
  host: string | null
  node: string | null
  availability_zone: string | null
  vm_state: string
  task_state: string | null
  power_state: number
  locked: number
  locked_by: string | null
  locked_reason: string | null
  key_name: string | null
  key_data: string | null
  user_data: string | null
  config_drive: string
  access_ip_v4: string | null
  access_ip_v6: string | null
  hostname: string
  reservation_id: string
  launch_index: number
  /** JSON object of user metadata. */
  metadata: string
  /** JSON object of Nova's system metadata (image properties, shelve and rescue bookkeeping). */
  system_metadata: string
  /** JSON of the network info cache: {@link NetworkInfo}. */
  info_cache: string
  /** JSON array of security group names requested at boot. */
  security_groups: string
  progress: number
  launched_at: string | null
  terminated_at: string | null
  created_at: string
  updated_at: string
  deleted_at: string | null
  deleted: number
  root_device_name: string | null
  /** JSON array of trusted image certificate ids, or null. */
  trusted_certs: string | null
  /** The host a cross-host operation (migrate, resize) is moving to. */
  migration_host: string | null
}

export type InstanceTagRow = { instance_uuid: string; tag: string }

export type InstanceFaultRow = {
  id: Generated<number>
  instance_uuid: string
  code: number
  message: string
  details: string
  host: string | null
  created_at: string
}

export type InstanceActionRow = {
  id: Generated<number>
  action: string
  instance_uuid: string
  request_id: string
  user_id: string
  project_id: string
  start_time: string
  finish_time: string | null
  message: string | null
  updated_at: string
}

export type InstanceActionEventRow = {
  id: Generated<number>
  action_id: number
  event: string
  start_time: string
  finish_time: string | null
  result: string | null
  traceback: string | null
  host: string | null
  details: string | null
}

export type BlockDeviceMappingRow = {
  id: Generated<number>
  uuid: string
  instance_uuid: string
  source_type: string
  destination_type: string
  boot_index: number | null
  device_name: string | null
  volume_id: string | null
  image_id: string | null
  snapshot_id: string | null
  volume_size: number | null
  delete_on_termination: number
  disk_bus: string | null
  device_type: string | null
  guest_format: string | null
  tag: string | null
  attachment_id: string | null
  created_at: string
}

export type ServiceRow = {
  id: Generated<number>
  uuid: string
  host: string
  binary: string
  topic: string
  report_count: number
  disabled: number
  disabled_reason: string | null
  forced_down: number
  version: number
  created_at: string
  updated_at: string
  /** Last heartbeat; the service is up while this is recent. */
  last_seen_up: string | null
}

export type ComputeNodeRow = {
  id: Generated<number>
  uuid: string
  host: string
  hypervisor_hostname: string
  hypervisor_type: string
  hypervisor_version: number
  host_ip: string
  vcpus: number
  memory_mb: number
  local_gb: number
  vcpus_used: number
  memory_mb_used: number
  local_gb_used: number
  running_vms: number
  /** JSON of the CPU description the driver reports. */
  cpu_info: string
  cpu_allocation_ratio: number
  ram_allocation_ratio: number
  disk_allocation_ratio: number
  created_at: string
  updated_at: string
}

export type AggregateRow = {
  id: Generated<number>
  uuid: string
  name: string
  created_at: string
  updated_at: string | null
}
export type AggregateHostRow = { aggregate_id: number; host: string }
export type AggregateMetadataRow = { aggregate_id: number; key: string; value: string }

export type ServerGroupRow = {
  id: Generated<number>
  uuid: string
  name: string
  project_id: string
  user_id: string
  policy: string
  /** JSON object, e.g. {"max_server_per_host": 2}. */
  rules: string
  created_at: string
}
export type ServerGroupMemberRow = { group_id: number; instance_uuid: string }

export type QuotaRow = { project_id: string; user_id: string; resource: string; hard_limit: number }
export type QuotaClassRow = { class_name: string; resource: string; hard_limit: number }

export type MigrationRow = {
  id: Generated<number>
  uuid: string
  instance_uuid: string
  migration_type: string
  status: string
  source_compute: string | null
  source_node: string | null
  dest_compute: string | null
  dest_node: string | null
  dest_host: string | null
  old_flavorid: string | null
  new_flavorid: string | null
  project_id: string
  user_id: string
  created_at: string
  updated_at: string
}

/** What the scheduler needs again later (rebuild, migrate, unshelve, reschedule): JSON of RequestSpec. */
export type RequestSpecRow = { instance_uuid: string; spec: string }

export type ComputeDb = {
  flavors: FlavorRow
  flavor_extra_specs: FlavorExtraSpecRow
  flavor_projects: FlavorProjectRow
  keypairs: KeypairRow
  instances: InstanceRow
  instance_tags: InstanceTagRow
  instance_faults: InstanceFaultRow
  instance_actions: InstanceActionRow
  instance_action_events: InstanceActionEventRow
  block_device_mappings: BlockDeviceMappingRow
  compute_services: ServiceRow
  compute_nodes: ComputeNodeRow
  host_aggregates: AggregateRow
  host_aggregate_hosts: AggregateHostRow
  host_aggregate_metadata: AggregateMetadataRow
  server_groups: ServerGroupRow
  server_group_members: ServerGroupMemberRow
  compute_quotas: QuotaRow
  compute_quota_classes: QuotaClassRow
  instance_migrations: MigrationRow
  request_specs: RequestSpecRow
}
