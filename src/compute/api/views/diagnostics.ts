/**
 * A guest's diagnostics as Nova renders them: from 2.48 the standardized document of
 * views/server_diagnostics.py, before it the driver's own flat dictionary, which for the
 * libvirt family (all Nubis drivers) is libvirt's get_diagnostics keys.
 */
import type { GuestDiagnostics } from '../../model/diagnostics.ts'

export function diagnosticsView(d: GuestDiagnostics): Record<string, unknown> {
  return {
    state: d.state, driver: d.driver, hypervisor: d.hypervisor, hypervisor_os: d.hypervisorOs, uptime: d.uptimeSec,
    config_drive: d.configDrive, num_cpus: d.cpus.length, num_nics: d.nics.length, num_disks: d.disks.length,
    cpu_details: d.cpus.map((c) => ({ id: c.id, time: c.timeNs, utilisation: c.utilisation })),
    nic_details: d.nics.map((n) => ({
      mac_address: n.macAddress, rx_octets: n.rxOctets, rx_errors: n.rxErrors, rx_drop: n.rxDrop, rx_packets: n.rxPackets, rx_rate: n.rxRate,
      tx_octets: n.txOctets, tx_errors: n.txErrors, tx_drop: n.txDrop, tx_packets: n.txPackets, tx_rate: n.txRate,
    })),
    disk_details: d.disks.map((k) => ({
      read_bytes: k.readBytes, read_requests: k.readRequests, write_bytes: k.writeBytes, write_requests: k.writeRequests, errors_count: k.errorsCount,
    })),
    memory_details: { maximum: d.memory.maximumMb, used: d.memory.usedMb },
  }
}

/** libvirt's keys: cpu<n>_time, <disk>_read_req…, <tap>_rx…, and memory sizes in KiB; unknown counters are left out. */
export function legacyDiagnosticsView(d: GuestDiagnostics): Record<string, number> {
  const out: Record<string, number | null> = {}
  for (const c of d.cpus) out[`cpu${c.id}_time`] = c.timeNs
  for (const k of d.disks) {
    Object.assign(out, {
      [`${k.device}_read_req`]: k.readRequests, [`${k.device}_read`]: k.readBytes, [`${k.device}_write_req`]: k.writeRequests,
      [`${k.device}_write`]: k.writeBytes, [`${k.device}_errors`]: k.errorsCount,
    })
  }
  for (const n of d.nics) {
    Object.assign(out, {
      [`${n.device}_rx`]: n.rxOctets, [`${n.device}_rx_packets`]: n.rxPackets, [`${n.device}_rx_errors`]: n.rxErrors, [`${n.device}_rx_drop`]: n.rxDrop,
      [`${n.device}_tx`]: n.txOctets, [`${n.device}_tx_packets`]: n.txPackets, [`${n.device}_tx_errors`]: n.txErrors, [`${n.device}_tx_drop`]: n.txDrop,
    })
  }
  const kib = (mb: number | null) => (mb === null ? null : mb * 1024)
  Object.assign(out, { memory: kib(d.memory.maximumMb), 'memory-actual': kib(d.memory.maximumMb), 'memory-rss': kib(d.memory.usedMb) })
  return Object.fromEntries(Object.entries(out).filter((e): e is [string, number] => e[1] !== null))
}
