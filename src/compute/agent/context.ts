/** What the agent's action modules share: its dependencies and the helpers that run one step. */
import type { Logger } from '../../common/log/logger.ts'
import type { ImageClient } from '../../image/client.ts'
import type { ComputeConfig } from '../config.ts'
import type { Instance } from '../model/instance.ts'
import type { ResourceClaims } from '../model/placement.ts'
import type { NetworkApi } from '../network/network-api.ts'
import type { ActionRequest, AgentRpc } from '../rpc/agent-rpc.ts'
import type { ConductorRpc, InstanceChanges } from '../rpc/conductor-rpc.ts'
import type { VirtDriver } from '../virt/driver.ts'

export type ComputeAgentDeps = {
  host: string
  driver: VirtDriver
  conductor: ConductorRpc
  /** Casts to the conductor (reschedules must not wait for the next build to finish). */
  castConductor: <K extends keyof ConductorRpc>(method: K, args: Parameters<ConductorRpc[K]>[0]) => Promise<void>
  network: NetworkApi
  /** Other hosts' agents, for the two-host moves (resize, live migration); absent in single-host tests. */
  agents?: { call(host: string): AgentRpc; cast: <K extends keyof AgentRpc>(host: string, method: K, args: Parameters<AgentRpc[K]>[0]) => Promise<void> }
  /** The image API with a token (snapshots upload with the caller's, as Nova does); absent where no image service is wired. */
  images?: (token: string) => ImageClient
  claims: ResourceClaims
  config: ComputeConfig
  log: Logger
}

export type AgentContext = ComputeAgentDeps & {
  withLock: <T>(uuid: string, fn: () => Promise<T>) => Promise<T>
  /** Runs one driver operation as an instance action step (see {@link runAction}). */
  act: (args: ActionRequest, step: ActionStep) => Promise<void>
  update: (uuid: string, changes: InstanceChanges, expected?: Array<string | null>) => Promise<Instance | null>
  event: (args: ActionRequest, event: string, phase: 'start' | 'finish', error?: unknown) => Promise<void>
}

export type ActionStep = {
  /** Nova's event name, e.g. compute_stop_instance. */
  event: string
  /** task_states the instance must still be in (the API set one of them). */
  expected: Array<string | null>
  /** Does the work; returns the changes that finish it (task_state is cleared unless given). */
  run: (i: Instance) => Promise<InstanceChanges>
  /** On failure: keep vm_state (default) or put the instance in ERROR. */
  onError?: 'keep' | 'error'
}

