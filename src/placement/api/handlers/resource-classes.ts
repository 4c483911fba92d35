/** /resource_classes (1.2): list, create, show, rename (1.2–1.6) or create-if-missing (1.7), delete. */
import { errorCodes, PlacementBadRequest, PlacementConflict, PlacementNotFound } from '../../errors.ts'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import {
  createResourceClass, deleteResourceClass, findResourceClass, listResourceClasses, renameResourceClass, resourceClassInUse,
} from '../../db/resource-classes.ts'
import type { ResourceClassRow } from '../../db/schema.ts'
import { standardResourceClasses } from '../../standard-resource-classes.ts'
import { atLeast, enforce, json, jsonBody, newest, noContent, type PlacementDeps, type PlacementRequest, type PlacementRoute } from '../context.ts'

const CUSTOM = '^CUSTOM_[A-Z0-9_]+$'
const nameSchema = { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', pattern: CUSTOM, maxLength: 255 } } }
const isStandard = (name: string) => standardResourceClasses.includes(name)
const path = (name: string) => `/resource_classes/${name}`
const render = (rc: ResourceClassRow) => ({ name: rc.name, links: [{ rel: 'self', href: path(rc.name) }] })

async function found(deps: PlacementDeps, name: string): Promise<ResourceClassRow> {
  const rc = await findResourceClass(deps.db, name)
  if (!rc) throw new PlacementNotFound(`No such resource class ${name}.`)
  return rc
}

async function list(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_classes:list')
  const all = await listResourceClasses(deps.db)
  return json(req, { resource_classes: all.map(render) }, { modified: newest(...all.map((r) => r.updated_at)) })
}

async function create(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_classes:create')
  const { name } = jsonBody<{ name: string }>(req, nameSchema)
  if (!(await createResourceClass(deps.db, name))) {
    throw new PlacementConflict(`Conflicting resource class already exists: ${name}`, errorCodes.duplicateName)
  }
  deps.names.classes.invalidate()
  return { status: 201, headers: { location: path(name) } }
}

async function show(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_classes:show')
  const rc = await found(deps, req.params.name)
  return json(req, render(rc), { modified: rc.updated_at })
}

async function update(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_classes:update')
  const name = req.params.name
  if (atLeast(req, 7)) {
    if (!new RegExp(CUSTOM).test(name) || name.length > 255) {
      throw new PlacementBadRequest(`JSON does not validate: '${name}' does not match '${CUSTOM}'`)
    }
    const created = await createResourceClass(deps.db, name)
    if (created) deps.names.classes.invalidate()
    const rc = await found(deps, name)
    const res = json(req, undefined, { status: created ? 201 : 204, modified: rc.created_at })
    delete res.headers!['content-type']
    res.headers!.location = path(name)
    return res
  }
  const rc = await found(deps, name)
  const body = jsonBody<{ name: string }>(req, nameSchema)
  if (isStandard(rc.name)) throw new PlacementBadRequest(`Cannot update standard resource class ${rc.name}`)
  try {
    await renameResourceClass(deps.db, rc.id, body.name)
  } catch (err) {
    if (isUniqueViolation(err)) throw new PlacementConflict(`Resource class already exists: ${body.name}`, errorCodes.duplicateName)
    throw err
  }
  deps.names.classes.invalidate()
  const after = await found(deps, body.name)
  return json(req, render(after), { modified: after.updated_at })
}

async function remove(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_classes:delete')
  const rc = await found(deps, req.params.name)
  if (isStandard(rc.name)) throw new PlacementBadRequest(`Error in delete resource class: Cannot delete standard resource class ${rc.name}.`)
  if (await resourceClassInUse(deps.db, rc.id)) {
    throw new PlacementConflict(`Error in delete resource class: Cannot delete resource class ${rc.name}. Class is in use in inventory.`)
  }
  await deleteResourceClass(deps.db, rc.id)
  deps.names.classes.invalidate()
  return noContent()
}

export const resourceClassRoutes: PlacementRoute[] = [
  ['GET', '/resource_classes', list, { minMinor: 2 }],
  ['POST', '/resource_classes', create, { minMinor: 2, changes: 'none' }],
  ['GET', '/resource_classes/:name', show, { minMinor: 2 }],
  ['PUT', '/resource_classes/:name', update, { minMinor: 2, changes: 'none' }],
  ['DELETE', '/resource_classes/:name', remove, { minMinor: 2, changes: 'none' }],
]
