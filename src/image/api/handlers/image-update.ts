/**
 * PATCH /v2/images/{id} (glance/api/v2/images.py update and _do_add/_do_remove/_do_replace): every
 * change is checked and applied to a copy first; only when all pass is the image saved, in one
 * transaction, so a rejected patch changes nothing.
 */
import { readJsonBody } from '../../../common/http/json-body.ts'
import { BadRequest, Conflict, Forbidden } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { saveChildren, touchImage } from '../../db/image-repo.ts'
import type { ImageRow } from '../../db/schema.ts'
import { imageAttributes, type Image } from '../../model/image.ts'
import { enforceOnImage, imageTarget, loadImage, viewerOf, type ImageDeps, type ImageRequest, type Viewer } from '../context.ts'
import { parsePatch, patchDraft, type PatchChange } from '../patch.ts'
import { renderImage } from '../render.ts'
import type { ImageSchemas } from '../schemas.ts'
import { checkMinimum, checkPropertyQuota, checkTagQuota, enforceVisibility } from './images.ts'

/** Attributes a PATCH may set, with the column they live in. */
const settable = new Set(['name', 'visibility', 'protected', 'os_hidden', 'owner', 'disk_format', 'container_format', 'min_disk', 'min_ram'])

type Draft = { row: ImageRow; properties: Record<string, string>; tags: string[] }

export function imageUpdateRoutes(deps: ImageDeps, schemas: ImageSchemas): Route[] {
  /** Glance's update_property: visibility needs its own policy first, then modify_image. */
  function mayModify(viewer: Viewer, image: Image, attribute: string, value?: unknown): void {
    if (attribute === 'visibility') enforceVisibility(deps, viewer, value, imageTarget(image))
    enforceOnImage(deps, viewer, 'modify_image', image)
  }

  function setAttribute(draft: Draft, attribute: string, value: unknown): void {
    if (attribute === 'tags') {
      draft.tags = [...new Set(value as string[])].sort()
      return
    }
    if ((attribute === 'container_format' || attribute === 'disk_format') && !['queued', 'importing'].includes(draft.row.status)) {
      throw new Forbidden(`Attribute ${attribute} can be only replaced for a queued image.`)
    }
    if (attribute === 'min_disk' || attribute === 'min_ram') checkMinimum(attribute, value)
    if (!settable.has(attribute)) throw new Forbidden(`Attribute '${attribute}' is read-only.`)
    const column = attribute as keyof ImageRow
    ;(draft.row as Record<string, unknown>)[column] = attribute === 'protected' || attribute === 'os_hidden' ? (value ? 1 : 0) : value
  }

  function locationsChange(viewer: Viewer, image: Image, change: PatchChange): void {
    const action = change.op === 'remove' ? 'delete_image_location' : 'set_image_location'
    if (change.op === 'replace' && Array.isArray(change.value) && change.value.length === 0) {
      throw new Forbidden('Cannot set locations to empty list.')
    }
    enforceOnImage(deps, viewer, action, image)
    const verb = { add: 'add', remove: 'remove', replace: 'update' }[change.op]
    if (!deps.config.showMultipleLocations) {
      throw new Forbidden(`It's not allowed to ${verb} locations if locations are invisible.`)
    }
    // Only this cloud's store holds data; outside locations (http, rbd, ...) are not supported.
    throw new BadRequest('Locations outside this cloud\'s image store are not supported.')
  }

  function apply(viewer: Viewer, image: Image, draft: Draft, change: PatchChange): void {
    const root = change.path[0]
    if (root === 'locations') return locationsChange(viewer, image, change)
    const isAttribute = imageAttributes.has(root)
    if (change.op === 'replace') {
      if (root === 'owner' && !viewer.isAdmin) throw new Forbidden("Owner can't be updated by non admin.")
      mayModify(viewer, image, root, change.value)
      if (isAttribute) setAttribute(draft, root, change.value)
      else if (root in draft.properties) draft.properties[root] = change.value as string
      else throw new Conflict(`Property ${root} does not exist.`)
    } else if (change.op === 'add') {
      mayModify(viewer, image, root, change.value)
      if ((isAttribute || root in draft.properties) && change.draft === 4) throw new Conflict(`Property ${root} already present.`)
      if (isAttribute) setAttribute(draft, root, change.value)
      else draft.properties[root] = change.value as string
    } else {
      mayModify(viewer, image, root)
      if (isAttribute) throw new Forbidden(`Property ${root} may not be removed.`)
      if (!(root in draft.properties)) throw new Conflict(`Property ${root} does not exist.`)
      delete draft.properties[root]
    }
  }

  async function update(req: ImageRequest) {
    const draftVersion = patchDraft(req.headers['content-type'])
    const changes = parsePatch(draftVersion, await readJsonBody(req, deps.config.maxRequestBodyBytes), schemas)
    const viewer = viewerOf(deps, req)
    const image = await loadImage(deps, viewer, req.params.image_id)
    const draft: Draft = { row: { ...image.row }, properties: { ...image.properties }, tags: [...image.tags] }
    for (const change of changes) apply(viewer, image, draft, change)
    if (changes.length) {
      checkPropertyQuota(deps, draft.properties)
      checkTagQuota(deps, draft.tags)
      const r = draft.row
      await deps.db.transaction().execute(async (trx) => {
        await touchImage(trx, r.id, {
          name: r.name, visibility: r.visibility, protected: r.protected, os_hidden: r.os_hidden, owner: r.owner,
          disk_format: r.disk_format, container_format: r.container_format, min_disk: r.min_disk, min_ram: r.min_ram,
        })
        await saveChildren(trx, r.id, image, draft)
      })
      deps.log.info('updated image', { image_id: r.id, changes: changes.map((c) => `${c.op} /${c.path.join('/')}`).join(',') })
    }
    const updated = await loadImage(deps, viewer, image.row.id).catch(() => undefined)
    // After giving an image away (owner change) the caller may no longer see it; answer with what was saved.
    const shown = updated ?? { ...image, row: { ...draft.row }, properties: draft.properties, tags: draft.tags }
    return { status: 200, body: renderImage(deps.config, shown) }
  }

  return [route('PATCH', '/v2/images/:image_id', update, { rawBody: true })]
}
