import type { JsonSchema } from '../common/config/load-config.ts'

/** The `compute:` section of the configuration file (nova.conf's API, scheduler, compute and quota options). */
export type ComputeConfig = {
  port: number
  maxRequestBodyBytes: number
  /** Availability zone of hosts in no aggregate with one (Nova's default_availability_zone). */
  defaultAvailabilityZone: string
  /** Seconds without a heartbeat after which a service is down (Nova's service_down_time). */
  serviceDownTimeSec: number
  /** Seconds between compute agent heartbeats (report_interval). */
  reportIntervalSec: number
  /** Seconds between power-state syncs on each agent (sync_power_state_interval). */
  syncPowerStateIntervalSec: number
  /** Largest page of a server list (osapi_max_limit). */
  maxLimit: number
  /** RPC timeout for calls between compute processes. */
  rpcTimeoutMs: number
  /** A resize may pick the instance's own host (Nova's allow_resize_to_same_host); a cold migration never does. */
  allowResizeToSameHost?: boolean
  /** Seconds after which a resize waiting in VERIFY_RESIZE is confirmed by itself; 0 never (resize_confirm_window). */
  resizeConfirmWindowSec?: number
  /** Seconds a shelved server keeps its guest and resources on the host before they are offloaded; 0 at once, -1 never (shelved_offload_time). */
  shelvedOffloadTimeSec?: number
  /** External network the deprecated os-floating-ips API allocates from when no pool is named (Nova's [neutron] default_floating_pool). */
  defaultFloatingPool: string
  /** Length of the periods the instance usage audit log reports on: hour, day, month or year, with an optional @offset (instance_usage_audit_period). */
  instanceUsageAuditPeriod?: string
  agent: {
    /** Virt driver of this host's compute agent: fake (deterministic, for tests) or qemu. */
    virtDriver: string
    /** Hypervisor name this agent reports; empty: the host name. */
    nodeName: string
    vcpus: number
    memoryMb: number
    diskGb: number
    reservedHostMemoryMb: number
    reservedHostDiskMb: number
    cpuAllocationRatio: number
    ramAllocationRatio: number
    diskAllocationRatio: number
    /** Fake driver: milliseconds each operation takes (spawn, reboot, ...); 0 is immediate. */
    fakeDelayMs: number
    /** Fake driver: directory shared by fake hosts in different processes for moving guests; empty: this process only. */
    fakeWorldDir: string
    /** Fake driver: compute hosts this agent process runs, `host`, `host-2`, ... (DevStack's NUMBER_FAKE_NOVA_COMPUTE). */
    fakeHostCount: number
  }
  scheduler: {
    /** Hosts tried per instance: the chosen one plus alternates for rescheduling (max_attempts). */
    maxAttempts: number
    /** Candidates asked of placement per request (max_placement_results). */
    maxPlacementResults: number
    filters: string[]
    /** Weigher multipliers; positive spreads, negative stacks. */
    ramWeightMultiplier: number
    cpuWeightMultiplier: number
    diskWeightMultiplier: number
    /** Choose at random among the best N hosts (host_subset_size). */
    hostSubsetSize: number
    /** When placement runs in this process, ask it for allocation candidates directly instead of over HTTP. */
    inProcessPlacement: boolean
    /** Ask placement only for hosts in the aggregates of the requested zone (query_placement_for_availability_zone). */
    queryPlacementForAvailabilityZone: boolean
    /** Confine projects named by an aggregate's filter_tenant_id* metadata to its hosts, through placement (limit_tenants_to_placement_aggregate). */
    limitTenantsToPlacementAggregate: boolean
    /** With the above: a project no aggregate names gets no host at all (placement_aggregate_required_for_tenants). */
    placementAggregateRequiredForTenants: boolean
  }
  quotas: {
    instances: number
    cores: number
    ram: number
    keyPairs: number
    metadataItems: number
    serverGroups: number
    serverGroupMembers: number
    injectedFiles: number
    injectedFileContentBytes: number
    injectedFilePathBytes: number
  }
}

const int = (d: number, description: string, minimum = 0): JsonSchema => ({ type: 'integer', default: d, minimum, description })
const num = (d: number, description: string): JsonSchema => ({ type: 'number', default: d, description })
const quota = (d: number, what: string): JsonSchema => ({ type: 'integer', default: d, minimum: -1, description: `Default ${what} per project; -1 is unlimited.` })

export const SCHEDULER_FILTERS = [
  'ComputeFilter', 'AvailabilityZoneFilter', 'ImagePropertiesFilter', 'ServerGroupAntiAffinityFilter',
  'ServerGroupAffinityFilter', 'AggregateInstanceExtraSpecsFilter', 'SameHostFilter', 'DifferentHostFilter',
]

export const computeConfigSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: int(8774, 'Port of the Compute API (Nova uses 8774).'),
    maxRequestBodyBytes: int(114688, 'Largest request body accepted.', 1024),
    defaultAvailabilityZone: { type: 'string', default: 'nova', description: 'Availability zone of hosts not in an aggregate that names one.' },
    serviceDownTimeSec: int(60, 'Seconds without a heartbeat before a compute service counts as down.', 1),
    reportIntervalSec: int(10, 'Seconds between compute agent heartbeats.', 1),
    syncPowerStateIntervalSec: int(60, 'Seconds between power-state syncs on each compute agent (0 disables).'),
    maxLimit: int(1000, 'Most servers returned in one page of a list.', 1),
    rpcTimeoutMs: int(60000, 'Milliseconds a call between compute processes waits for its answer.', 100),
    allowResizeToSameHost: {
      type: 'boolean',
      description: 'Let a resize land on the host the server is on (a cold migration never does). Unset: false, as Nova, except under `nubis up`, whose one host is the only place a resize can go (as DevStack sets it).',
    },
    resizeConfirmWindowSec: int(0, 'Seconds after which a resized server waiting for confirmation is confirmed automatically (0: never).'),
    shelvedOffloadTimeSec: int(0, 'Seconds a shelved server stays on its host before it is offloaded (0: at once, -1: never).', -1),
    defaultFloatingPool: {
      type: 'string', default: 'public',
      description: 'Name or id of the external network that POST /os-floating-ips allocates from when no pool is named (Nova says nova; DevStack and Nubis name it public).',
    },
    instanceUsageAuditPeriod: {
      type: 'string', default: 'month', pattern: '^(hour|day|month|year)(@[0-9]+)?$',
      description: 'Period the instance usage audit log reports on: hour, day, month or year; @N offsets its start (day@18 at 18:00 UTC, month@15 on the 15th, year@3 in March).',
    },
    agent: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        virtDriver: { enum: ['fake'], default: 'fake', description: 'Virt driver of this host: fake (deterministic guests without a hypervisor; qemu follows).' },
        nodeName: { type: 'string', default: '', description: 'Hypervisor name this host reports (empty: the host name).' },
        vcpus: int(16, 'VCPUs this host offers (fake driver; qemu reads the host).', 1),
        memoryMb: int(32768, 'Memory in MiB this host offers (fake driver; qemu reads the host).', 1),
        diskGb: int(1000, 'Disk in GiB this host offers (fake driver; qemu reads the host).', 1),
        reservedHostMemoryMb: int(512, 'Memory kept back for the host itself.'),
        reservedHostDiskMb: int(0, 'Disk kept back for the host itself.'),
        cpuAllocationRatio: num(16, 'Virtual CPUs per physical CPU.'),
        ramAllocationRatio: num(1.5, 'Overcommit ratio of memory.'),
        diskAllocationRatio: num(1, 'Overcommit ratio of disk.'),
        fakeDelayMs: int(0, 'Fake driver: milliseconds each guest operation takes.'),
        fakeWorldDir: {
          type: 'string', default: '',
          description: 'Fake driver: a directory the fake hosts of several processes share to hand guests to each other (migrations), as shared storage would; empty: only the hosts of this process.',
        },
        fakeHostCount: int(1, 'Fake driver: compute hosts this process runs, named after the host, then <host>-2, <host>-3, ... (as DevStack\'s NUMBER_FAKE_NOVA_COMPUTE), so one machine can try migrations.', 1),
      },
    },
    scheduler: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        maxAttempts: int(3, 'Hosts tried per instance before the build fails.', 1),
        maxPlacementResults: int(1000, 'Allocation candidates asked of placement per request.', 1),
        filters: { type: 'array', items: { enum: SCHEDULER_FILTERS }, default: SCHEDULER_FILTERS, description: 'Scheduler filters, in order.' },
        ramWeightMultiplier: num(1, 'Weight of free RAM (positive spreads, negative stacks).'),
        cpuWeightMultiplier: num(1, 'Weight of free VCPUs.'),
        diskWeightMultiplier: num(1, 'Weight of free disk.'),
        hostSubsetSize: int(1, 'Choose at random among this many best hosts.', 1),
        inProcessPlacement: {
          type: 'boolean', default: true,
          description: 'When placement runs in this process (nubis up), ask it for allocation candidates directly instead of over HTTP; claims still go over HTTP.',
        },
        queryPlacementForAvailabilityZone: {
          type: 'boolean', default: true,
          description: 'Ask placement only for hosts in the aggregates of the requested availability zone (the aggregates must be mirrored in placement).',
        },
        limitTenantsToPlacementAggregate: {
          type: 'boolean', default: false,
          description: 'Confine a project to the hosts of the aggregates whose filter_tenant_id* metadata names it, through placement.',
        },
        placementAggregateRequiredForTenants: {
          type: 'boolean', default: false,
          description: 'With limitTenantsToPlacementAggregate: a project no aggregate names can schedule nowhere.',
        },
      },
    },
    quotas: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        instances: quota(10, 'servers'),
        cores: quota(20, 'VCPUs'),
        ram: quota(51200, 'MiB of RAM'),
        keyPairs: quota(100, 'key pairs per user'),
        metadataItems: quota(128, 'metadata items per server'),
        serverGroups: quota(10, 'server groups'),
        serverGroupMembers: quota(10, 'servers per server group'),
        injectedFiles: quota(5, 'injected files'),
        injectedFileContentBytes: quota(10240, 'bytes per injected file'),
        injectedFilePathBytes: quota(255, 'bytes per injected file path'),
      },
    },
  },
}
