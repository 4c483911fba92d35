/** The driver's view of an instance: what it needs to create or re-create the guest. */
import type { Instance } from '../model/instance.ts'
import type { GuestSpec } from '../virt/driver.ts'

export function guestOf(i: Instance, over: Partial<GuestSpec> = {}): GuestSpec {
  const imageProperties = Object.fromEntries(Object.entries(i.system_metadata)
    .filter(([k]) => k.startsWith('image_') && !['image_min_ram', 'image_min_disk'].includes(k)).map(([k, v]) => [k.slice(6), v]))
  return {
    uuid: i.uuid, name: `instance-${i.uuid.slice(0, 8)}`, hostname: i.hostname, flavor: i.flavor, imageRef: i.image_ref,
    imageProperties, networkInfo: i.info_cache, disks: { volumes: [] }, userData: i.user_data, metadata: i.metadata,
    keyData: i.key_data, configDrive: i.config_drive === 'True', adminPassword: null, ...over,
  }
}
