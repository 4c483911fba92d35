import type { HostFilter } from './filter.ts'

/** Hosts whose hypervisor type and architecture match the image's `hypervisor_type` and `architecture`. */
export const imagePropertiesFilter: HostFilter = {
  name: 'ImagePropertiesFilter',
  passes(h, { spec }) {
    const p = spec.image.properties
    const arch = typeof p.architecture === 'string' ? p.architecture.toLowerCase() : undefined
    const type = typeof p.hypervisor_type === 'string' ? p.hypervisor_type.toLowerCase() : undefined
    if (arch && arch !== h.cpuArch.toLowerCase() && !(arch === 'x86_64' && h.cpuArch === 'amd64')) return false
    if (type && type !== h.hypervisorType.toLowerCase() && !(type === 'qemu' && h.hypervisorType === 'fake')) return false
    return true
  },
}
