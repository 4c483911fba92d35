/**
 * @module Tempest's view of the image service: two public images for the tests that need existing
 * ones ([compute] image_ref / image_ref_alt; the tiny guest `nubis-tiny` when `nubis up` registered
 * it), tempest's default format lists (whose first pairs use container `ami`, which Glance does not
 * inspect, so tempest's random test data is accepted) and the features Nubis implements.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createImageClient, type ImageClient, type ImageView } from '../../../src/image/client.ts'
import type { AdminSession, ConfSections, TempestService } from './types.ts'

const TEST_IMAGES = ['tempest-image-1', 'tempest-image-2']

/** An active public image with this name, created (1 MiB of zeros, raw) when missing. */
async function ensureImage(images: ImageClient, name: string, dir: string): Promise<ImageView> {
  const active = (await images.listByName(name)).find((i) => i.status === 'active')
  if (active) return active
  const image = await images.create({ name, disk_format: 'raw', container_format: 'bare', visibility: 'public' })
  const file = join(dir, `${name}.raw`)
  writeFileSync(file, Buffer.alloc(1 << 20))
  await images.uploadFile(image.id, file)
  return image
}

export const imageTempest: TempestService = {
  option: 'glance',
  async prepare(admin: AdminSession): Promise<ConfSections> {
    const images = createImageClient({ url: admin.endpoint('image')!, token: admin.token })
    const dir = mkdtempSync(join(tmpdir(), 'nubis-tempest-images-'))
    try {
      const [first, second] = [await ensureImage(images, TEST_IMAGES[0], dir), await ensureImage(images, TEST_IMAGES[1], dir)]
      const tiny = (await images.listByName('nubis-tiny')).find((i) => i.status === 'active')
      const imageRef = tiny?.id ?? first.id
      admin.say(`image: image_ref ${imageRef}${tiny ? ' (nubis-tiny)' : ''}, image_ref_alt ${second.id}`)
      return {
        image: {
          container_formats: 'ami,ari,aki,bare,ovf,ova',
          disk_formats: 'ami,ari,aki,vhd,vmdk,raw,qcow2,vdi,iso,vhdx',
          build_interval: 1,
          build_timeout: 60,
        },
        'image-feature-enabled': {
          api_v2: true,
          api_v1: false,
          import_image: true,
          os_glance_reserved: true,
          manage_locations: false,
        },
        compute: { image_ref: imageRef, image_ref_alt: second.id },
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
