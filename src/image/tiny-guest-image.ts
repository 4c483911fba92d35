/**
 * @module The public `nubis-tiny` image: on first start `nubis up` builds Nubis's own tiny test
 * guest (when not built yet) and uploads it through the Image API like any user would, so every
 * new cloud has something to boot.
 */
import { join } from 'node:path'
import type { CommonConfig } from '../common/config/common-config.ts'
import type { Logger } from '../common/log/logger.ts'
import { createImageClient, type ImageView } from './client.ts'
import { buildTinyGuest } from './tiny-guest/build-tiny-guest.ts'

export const TINY_GUEST_IMAGE = 'nubis-tiny'

export type RegisterTinyGuestOptions = {
  config: CommonConfig
  log: Logger
  /** The image endpoint root, e.g. http://127.0.0.1:9292. */
  imageUrl: string
  /** A project-scoped admin token (public images need admin). */
  adminToken: () => Promise<string>
}

/** Registers the image unless an active one of that name exists; returns it. Throws with a clear message when it cannot. */
export async function registerTinyGuest(o: RegisterTinyGuestOptions): Promise<ImageView> {
  const images = createImageClient({ url: o.imageUrl, token: o.adminToken })
  const existing = (await images.listByName(TINY_GUEST_IMAGE)).find((i) => i.status === 'active' && i.visibility === 'public')
  if (existing) return existing
  o.log.info(`registering the ${TINY_GUEST_IMAGE} test image (first start): building the guest`)
  const guest = await buildTinyGuest({
    outDir: join(o.config.dataDir, 'tiny-guest'),
    log: o.log,
    installPackages: o.config.installPackages,
  })
  // A stale image of that name (queued or killed by an interrupted start) is replaced.
  for (const stale of await images.listByName(TINY_GUEST_IMAGE)) {
    if (stale.status !== 'active') await images.delete(stale.id)
  }
  const image = await images.create({
    name: TINY_GUEST_IMAGE, disk_format: 'qcow2', container_format: 'bare', visibility: 'public',
    min_disk: 1, min_ram: 64, os_distro: 'nubis-tiny', os_type: 'linux', hw_disk_bus: 'virtio',
    nubis_guest_version: guest.version,
  })
  o.log.info(`uploading ${TINY_GUEST_IMAGE} (${guest.disk}) to the image service`, { image_id: image.id })
  await images.uploadFile(image.id, guest.disk)
  const active = await images.get(image.id)
  o.log.info(`registered public image ${TINY_GUEST_IMAGE}`, { image_id: image.id, size: active?.size, version: guest.version })
  return active ?? image
}
