/**
 * @module What the conductor and API ask of the compute agent on one host (topic `compute.<host>`),
 * nova-compute's RPC API. Casts return nothing: the agent reports progress by updating the
 * instance through the conductor. Calls (console output, interface attach) answer directly.
 */
import type { GuestDiagnostics } from '../model/diagnostics.ts'
import type { InjectedFile, Instance, RequestContext, RequestedNetwork, RequestSpec, Selection, Vif } from '../model/instance.ts'
import type { RescueDevice } from '../model/rescue.ts'

export const agentTopic = (host: string) => `compute.${host}`

export type BuildRequest = {
  context: RequestContext
  instance: Instance
  spec: RequestSpec
  selection: Selection
  /** Further hosts to try if this one fails (each with its own allocation, already claimed by none). */
  alternates: Selection[]
  adminPassword: string | null
  requestedNetworks: RequestedNetwork[] | 'auto' | 'none'
  /** Block device mappings: image and volume sources (volumes come with the block storage service). */
  blockDevices: Array<{ source_type: string; destination_type: string; uuid?: string; boot_index?: number | null; volume_size?: number | null; delete_on_termination?: boolean }>
  /** Personality files (below 2.57); never stored, as in Nova: they travel with the request. */
  injectedFiles?: InjectedFile[]
}

/** An event another service sends about an instance (Nova's InstanceExternalEvent). */
export type ExternalEvent = { name: string; tag: string | null; status: 'completed' | 'failed' | 'in-progress' }

export type ActionRequest = { context: RequestContext; instance: Instance; actionId?: number }

export type AgentRpc = {
  buildAndRunInstance(args: BuildRequest): Promise<void>
  terminateInstance(args: ActionRequest): Promise<void>
  stopInstance(args: ActionRequest): Promise<void>
  startInstance(args: ActionRequest): Promise<void>
  rebootInstance(args: ActionRequest & { type: 'SOFT' | 'HARD' }): Promise<void>
  pauseInstance(args: ActionRequest): Promise<void>
  unpauseInstance(args: ActionRequest): Promise<void>
  suspendInstance(args: ActionRequest): Promise<void>
  resumeInstance(args: ActionRequest): Promise<void>
  rescueInstance(args: ActionRequest & { rescueImageRef: string; rescuePassword: string | null; stableRescue?: RescueDevice | null }): Promise<void>
  unrescueInstance(args: ActionRequest): Promise<void>
  rebuildInstance(args: ActionRequest & { imageRef: string; adminPassword: string | null; evacuate?: boolean; preserveEphemeral?: boolean; injectedFiles?: InjectedFile[] }): Promise<void>
  snapshotInstance(args: ActionRequest & { imageId: string }): Promise<void>
  /** Snapshots into the queued image `imageId`, then deletes the oldest backups of this instance and `backupType` beyond `rotation`. */
  backupInstance(args: ActionRequest & { imageId: string; backupType: string; rotation: number }): Promise<void>
  setAdminPassword(args: ActionRequest & { password: string }): Promise<void>
  /** Powers the guest off and snapshots it into the queued image `imageId`; offloads at once when this host's shelvedOffloadTimeSec is 0. */
  shelveInstance(args: ActionRequest & { imageId: string }): Promise<void>
  /** Destroys the guest here, unbinds its ports and frees its allocation; the instance keeps no host. */
  shelveOffloadInstance(args: ActionRequest): Promise<void>
  /** Boots an offloaded instance here (claimed by the scheduler) from its shelved image (null: volume-backed), then deletes that image. */
  unshelveInstance(args: ActionRequest & { selection: Selection; imageId: string | null }): Promise<void>
  /** Cold migration and resize, three steps over the two hosts (Nova's prep_resize, resize_instance, finish_resize). */
  prepResize(args: ActionRequest & { migrationUuid: string; selection: Selection; newFlavor: Instance['flavor']; alternates?: Selection[] }): Promise<void>
  resizeInstance(args: ActionRequest & { migrationUuid: string; destHost: string }): Promise<void>
  finishResize(args: ActionRequest & { migrationUuid: string }): Promise<void>
  confirmResize(args: ActionRequest & { migrationUuid: string }): Promise<void>
  /** Revert: destination destroys its copy, then the source brings the original back. */
  revertResize(args: ActionRequest & { migrationUuid: string }): Promise<void>
  finishRevertResize(args: ActionRequest & { migrationUuid: string }): Promise<void>
  /** Live migration: destination prepares (call), source moves the guest (cast). */
  preLiveMigration(args: ActionRequest & { migrationUuid: string }): Promise<void>
  liveMigration(args: ActionRequest & { migrationUuid: string; destHost: string }): Promise<void>
  postLiveMigrationAtDestination(args: ActionRequest & { migrationUuid: string }): Promise<void>
  /** Re-creates the guest here from its image after its host went down (evacuate). */
  evacuateInstance(args: ActionRequest & { selection: Selection; imageRef: string; adminPassword: string | null; migrationUuid: string; stopped?: boolean }): Promise<void>
  getConsoleOutput(args: ActionRequest & { length: number | null }): Promise<string>
  /** The guest's diagnostics from the hypervisor; 409 unless the guest is running. */
  getDiagnostics(args: ActionRequest): Promise<GuestDiagnostics>
  attachInterface(args: ActionRequest & { networkId?: string; portId?: string; fixedIp?: string; tag?: string }): Promise<Vif>
  detachInterface(args: ActionRequest & { portId: string }): Promise<void>
  /** A cast: events from the network (and later block storage) service about one instance on this host. */
  externalInstanceEvent(args: ActionRequest & { events: ExternalEvent[] }): Promise<void>
}
