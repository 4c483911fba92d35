/** The driver's view of an instance: what it needs to create or re-create the guest. */
import { bootImageProperties, type Instance } from '../model/instance.ts'
import type { GuestSpec } from '../virt/driver.ts'

export function guestOf(i: Instance, over: Partial<GuestSpec> = {}): GuestSpec {
  const imageProperties = bootImageProperties(i.system_metadata)
  return {
    uuid: i.uuid, name: `instance-${i.uuid.slice(0, 8)}`, hostname: i.hostname, flavor: i.flavor, imageRef: i.image_ref,
    imageProperties, networkInfo: i.info_cache, disks: { volumes: [] }, userData: i.user_data, metadata: i.metadata,
    keyData: i.key_data, configDrive: i.config_drive === 'True', adminPassword: null, ...over,
  }
}
