/** /v2/images/{id}/tags/{tag} (glance/api/v2/image_tags.py): add is idempotent, removing a missing tag is 404. */
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { touchImage } from '../../db/image-repo.ts'
import { enforceOnImage, loadImage, viewerOf, type ImageDeps, type ImageRequest } from '../context.ts'
import type { ImageSchemas } from '../schemas.ts'
import { checkTagQuota } from './images.ts'

export function tagsRoutes(deps: ImageDeps, schemas: ImageSchemas): Route[] {
  const { db } = deps
  const notFound = (id: string) => new NotFound(`Image ${id} not found.`)

  async function add(req: ImageRequest) {
    const tag = req.params.tag
    schemas.validateImage({ tags: [tag] })
    const viewer = viewerOf(deps, req)
    const image = await loadImage(deps, viewer, req.params.image_id, notFound)
    enforceOnImage(deps, viewer, 'modify_image', image)
    if (!image.tags.includes(tag)) {
      checkTagQuota(deps, [...image.tags, tag])
      try {
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('image_tags').values({ image_id: image.row.id, value: tag }).execute()
          await touchImage(trx, image.row.id)
        })
      } catch (err) {
        if (!isUniqueViolation(err)) throw err // a concurrent request added the same tag: fine
      }
    }
    return { status: 204 }
  }

  async function remove(req: ImageRequest) {
    const viewer = viewerOf(deps, req)
    const image = await loadImage(deps, viewer, req.params.image_id, notFound)
    enforceOnImage(deps, viewer, 'modify_image', image)
    if (!image.tags.includes(req.params.tag)) throw new NotFound('The resource could not be found.')
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('image_tags').where('image_id', '=', image.row.id).where('value', '=', req.params.tag).execute()
      await touchImage(trx, image.row.id)
    })
    return { status: 204 }
  }

  return [
    route('PUT', '/v2/images/:image_id/tags/:tag', add),
    route('DELETE', '/v2/images/:image_id/tags/:tag', remove),
  ]
}
