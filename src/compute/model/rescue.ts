/** @module Stable device rescue: where the rescue disk goes, read from the rescue image's properties. */

/** Where a stable device rescue attaches the rescue disk: device type (disk, cdrom, ...) and bus (virtio, scsi, usb, ide, ...). */
export type RescueDevice = { device: string; bus: string }

/**
 * Stable device rescue, as Nova's libvirt driver decides it: an image that sets hw_rescue_device
 * or hw_rescue_bus asks for the rescue disk to be added beside the server's disks; the one not
 * set defaults to a disk, on virtio (a cdrom on sata).
 */
export function stableRescueDevice(props: Record<string, unknown>): RescueDevice | null {
  const device = typeof props.hw_rescue_device === 'string' ? props.hw_rescue_device : undefined
  const bus = typeof props.hw_rescue_bus === 'string' ? props.hw_rescue_bus : undefined
  if (device === undefined && bus === undefined) return null
  const d = device ?? 'disk'
  return { device: d, bus: bus ?? (d === 'cdrom' ? 'sata' : 'virtio') }
}
