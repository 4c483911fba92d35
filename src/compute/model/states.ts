/**
 * @module Nova's three instance state machines and the status users see. `vm_state` is where the
 * instance is at rest, `task_state` what it is doing now (null when idle), `power_state` what the
 * hypervisor last said. The API derives `status` from the first two, as Nova's _STATE_MAP does.
 */
export const VmState = {
  ACTIVE: 'active', BUILDING: 'building', PAUSED: 'paused', SUSPENDED: 'suspended', STOPPED: 'stopped',
  RESCUED: 'rescued', RESIZED: 'resized', SOFT_DELETED: 'soft-delete', DELETED: 'deleted', ERROR: 'error',
  SHELVED: 'shelved', SHELVED_OFFLOADED: 'shelved_offloaded',
} as const
export type VmState = typeof VmState[keyof typeof VmState]

export const TaskState = {
  SCHEDULING: 'scheduling', BLOCK_DEVICE_MAPPING: 'block_device_mapping', NETWORKING: 'networking', SPAWNING: 'spawning',
  IMAGE_SNAPSHOT: 'image_snapshot', IMAGE_SNAPSHOT_PENDING: 'image_snapshot_pending', IMAGE_PENDING_UPLOAD: 'image_pending_upload',
  IMAGE_UPLOADING: 'image_uploading', IMAGE_BACKUP: 'image_backup', UPDATING_PASSWORD: 'updating_password',
  RESIZE_PREP: 'resize_prep', RESIZE_MIGRATING: 'resize_migrating', RESIZE_MIGRATED: 'resize_migrated',
  RESIZE_FINISH: 'resize_finish', RESIZE_REVERTING: 'resize_reverting', RESIZE_CONFIRMING: 'resize_confirming',
  REBOOTING: 'rebooting', REBOOT_PENDING: 'reboot_pending', REBOOT_STARTED: 'reboot_started',
  REBOOTING_HARD: 'rebooting_hard', REBOOT_PENDING_HARD: 'reboot_pending_hard', REBOOT_STARTED_HARD: 'reboot_started_hard',
  PAUSING: 'pausing', UNPAUSING: 'unpausing', SUSPENDING: 'suspending', RESUMING: 'resuming',
  POWERING_OFF: 'powering-off', POWERING_ON: 'powering-on', RESCUING: 'rescuing', UNRESCUING: 'unrescuing',
  REBUILDING: 'rebuilding', REBUILD_BLOCK_DEVICE_MAPPING: 'rebuild_block_device_mapping', REBUILD_SPAWNING: 'rebuild_spawning',
  MIGRATING: 'migrating', DELETING: 'deleting', SOFT_DELETING: 'soft-deleting', RESTORING: 'restoring',
  SHELVING: 'shelving', SHELVING_IMAGE_PENDING_UPLOAD: 'shelving_image_pending_upload',
  SHELVING_IMAGE_UPLOADING: 'shelving_image_uploading', SHELVING_OFFLOADING: 'shelving_offloading', UNSHELVING: 'unshelving',
} as const
export type TaskState = typeof TaskState[keyof typeof TaskState]

/** Hypervisor power states, numbered as Nova reports them. */
export const PowerState = { NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4, CRASHED: 6, SUSPENDED: 7 } as const
export type PowerState = typeof PowerState[keyof typeof PowerState]

/** Power states by the names Nova gives them in messages and diagnostics (power_state.STATE_MAP). */
export const POWER_STATE_NAMES = {
  [PowerState.NOSTATE]: 'pending', [PowerState.RUNNING]: 'running', [PowerState.PAUSED]: 'paused',
  [PowerState.SHUTDOWN]: 'shutdown', [PowerState.CRASHED]: 'crashed', [PowerState.SUSPENDED]: 'suspended',
} as const satisfies Record<PowerState, string>
export type PowerStateName = typeof POWER_STATE_NAMES[PowerState]

const T = TaskState
const STATUS: Record<string, Record<string, string>> = {
  [VmState.ACTIVE]: {
    default: 'ACTIVE',
    [T.REBOOTING]: 'REBOOT', [T.REBOOT_PENDING]: 'REBOOT', [T.REBOOT_STARTED]: 'REBOOT',
    [T.REBOOTING_HARD]: 'HARD_REBOOT', [T.REBOOT_PENDING_HARD]: 'HARD_REBOOT', [T.REBOOT_STARTED_HARD]: 'HARD_REBOOT',
    [T.UPDATING_PASSWORD]: 'PASSWORD',
    [T.REBUILDING]: 'REBUILD', [T.REBUILD_BLOCK_DEVICE_MAPPING]: 'REBUILD', [T.REBUILD_SPAWNING]: 'REBUILD',
    [T.MIGRATING]: 'MIGRATING',
    [T.RESIZE_PREP]: 'RESIZE', [T.RESIZE_MIGRATING]: 'RESIZE', [T.RESIZE_MIGRATED]: 'RESIZE', [T.RESIZE_FINISH]: 'RESIZE',
  },
  [VmState.BUILDING]: { default: 'BUILD' },
  [VmState.STOPPED]: {
    default: 'SHUTOFF',
    [T.RESIZE_PREP]: 'RESIZE', [T.RESIZE_MIGRATING]: 'RESIZE', [T.RESIZE_MIGRATED]: 'RESIZE', [T.RESIZE_FINISH]: 'RESIZE',
    [T.REBUILDING]: 'REBUILD', [T.REBUILD_BLOCK_DEVICE_MAPPING]: 'REBUILD', [T.REBUILD_SPAWNING]: 'REBUILD',
  },
  [VmState.RESIZED]: { default: 'VERIFY_RESIZE', [T.RESIZE_REVERTING]: 'REVERT_RESIZE' },
  [VmState.PAUSED]: { default: 'PAUSED', [T.MIGRATING]: 'MIGRATING' },
  [VmState.SUSPENDED]: { default: 'SUSPENDED' },
  [VmState.RESCUED]: { default: 'RESCUE' },
  [VmState.ERROR]: { default: 'ERROR', [T.REBUILDING]: 'REBUILD', [T.REBUILD_BLOCK_DEVICE_MAPPING]: 'REBUILD', [T.REBUILD_SPAWNING]: 'REBUILD' },
  [VmState.DELETED]: { default: 'DELETED' },
  [VmState.SOFT_DELETED]: { default: 'SOFT_DELETED' },
  [VmState.SHELVED]: { default: 'SHELVED' },
  [VmState.SHELVED_OFFLOADED]: { default: 'SHELVED_OFFLOADED' },
}

/** The API status of an instance (ACTIVE, BUILD, SHUTOFF, VERIFY_RESIZE, ...). */
export function statusOf(vmState: string, taskState: string | null): string {
  const map = STATUS[vmState]
  if (!map) return 'UNKNOWN'
  return (taskState && map[taskState]) || map.default
}

/** The vm_states a status filter (`?status=SHUTOFF`) selects, and the task states that narrow it. */
export function statesForStatus(status: string): { vmStates: string[]; taskStates?: string[] } | undefined {
  const s = status.toUpperCase()
  const vmStates = new Set<string>()
  const taskStates = new Set<string>()
  let anyTask = false
  for (const [vm, map] of Object.entries(STATUS)) {
    for (const [task, mapped] of Object.entries(map)) {
      if (mapped !== s) continue
      vmStates.add(vm)
      if (task === 'default') anyTask = true
      else taskStates.add(task)
    }
  }
  if (!vmStates.size) return undefined
  return { vmStates: [...vmStates], taskStates: anyTask ? undefined : [...taskStates] }
}

/** Statuses whose views carry `progress`. */
export const PROGRESS_STATUSES = new Set(['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING'])

/** The power state name Nova shows in os-instance-actions and logs. */
export function powerStateName(p: number): string {
  return Object.entries(PowerState).find(([, v]) => v === p)?.[0] ?? 'NOSTATE'
}
