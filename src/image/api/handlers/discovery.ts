/** Version discovery (glance/api/versions.py) and the schema documents clients read (glance/api/v2/schemas.py). */
import { NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import type { ImageRequest } from '../context.ts'
import type { ImageSchemas } from '../schemas.ts'

/**
 * What a Glance with one store (enabled_backends) and no image cache advertises, minus 2.16/2.17
 * (cache and the location API, not implemented): 2.8–2.13 are the multi-store versions.
 */
const versions: Array<[string, string]> = [
  ['2.15', 'CURRENT'], ['2.13', 'SUPPORTED'], ['2.12', 'SUPPORTED'], ['2.11', 'SUPPORTED'], ['2.10', 'SUPPORTED'],
  ['2.9', 'SUPPORTED'], ['2.8', 'SUPPORTED'], ['2.7', 'SUPPORTED'], ['2.6', 'SUPPORTED'], ['2.5', 'SUPPORTED'],
  ['2.4', 'SUPPORTED'], ['2.3', 'SUPPORTED'], ['2.2', 'SUPPORTED'], ['2.1', 'SUPPORTED'], ['2.0', 'SUPPORTED'],
]

function versionList(req: ImageRequest) {
  return versions.map(([id, status]) => ({ id: `v${id}`, status, links: [{ rel: 'self', href: `${req.baseUrl}/v2/` }] }))
}

export function discoveryRoutes(schemas: ImageSchemas): Route[] {
  const documents: Record<string, Record<string, unknown>> = {
    image: schemas.image, images: schemas.images, member: schemas.member, members: schemas.members,
  }
  const multipleChoices = (req: ImageRequest) => ({ status: 300, body: { versions: versionList(req) } })
  return [
    route('GET', '/', multipleChoices, { public: true }),
    route('GET', '/versions', (req: ImageRequest) => ({ status: 200, body: { versions: versionList(req) } }), { public: true }),
    route('GET', '/v2', multipleChoices, { public: true }),
    route('GET', '/v2/schemas/:name', (req: ImageRequest) => {
      const doc = documents[req.params.name]
      if (!doc) throw new NotFound('The resource could not be found.')
      return { status: 200, body: doc }
    }),
  ]
}
