/**
 * @module The standard resource classes (the os-resource-classes vocabulary). Each keeps the id of
 * its position here, as in Placement, so the list may only grow at the end; custom classes
 * (CUSTOM_*) get ids from {@link FIRST_CUSTOM_CLASS_ID} up.
 */
export const standardResourceClasses: readonly string[] = [
  'VCPU', 'MEMORY_MB', 'DISK_GB', 'PCI_DEVICE', 'SRIOV_NET_VF', 'NUMA_SOCKET', 'NUMA_CORE', 'NUMA_THREAD',
  'NUMA_MEMORY_MB', 'IPV4_ADDRESS', 'VGPU', 'VGPU_DISPLAY_HEAD', 'NET_BW_EGR_KILOBIT_PER_SEC',
  'NET_BW_IGR_KILOBIT_PER_SEC', 'PCPU', 'MEM_ENCRYPTION_CONTEXT', 'FPGA', 'PGPU', 'NET_PACKET_RATE_KILOPACKET_PER_SEC',
  'NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC', 'NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC',
]

export const FIRST_CUSTOM_CLASS_ID = 10000
