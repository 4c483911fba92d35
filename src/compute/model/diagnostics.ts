/**
 * @module A guest's diagnostics as a hypervisor measures them (Nova's objects.Diagnostics): the
 * virt driver produces them, the compute agent passes them on, the API renders them.
 */

import type { PowerStateName } from './states.ts'

/**
 * What the hypervisor measures of one guest. Counters it does not know are null; disks and
 * nics carry their guest device names (vda, tap…).
 */
export type GuestDiagnostics = {
  state: PowerStateName
  /** The hypervisor family as Nova names it; the API accepts only these. */
  driver: 'libvirt' | 'ironic' | 'vmwareapi' | 'xenapi'
  hypervisor: string | null
  hypervisorOs: string | null
  uptimeSec: number | null
  configDrive: boolean
  /** Per vCPU: cumulative time in ns and utilisation in percent. */
  cpus: Array<{ id: number; timeNs: number | null; utilisation: number | null }>
  memory: { maximumMb: number | null; usedMb: number | null }
  nics: Array<{
    device: string; macAddress: string | null
    rxOctets: number | null; rxErrors: number | null; rxDrop: number | null; rxPackets: number | null; rxRate: number | null
    txOctets: number | null; txErrors: number | null; txDrop: number | null; txPackets: number | null; txRate: number | null
  }>
  disks: Array<{
    device: string
    readBytes: number | null; readRequests: number | null; writeBytes: number | null; writeRequests: number | null; errorsCount: number | null
  }>
}
