/**
 * /v3/OS-OAUTH1/consumers: the OAuth1 consumers Keystone keeps. Only their CRUD is served (no
 * request or access tokens). The secret is generated here and shown once, in the create answer.
 */
import { randomBytes } from 'node:crypto'
import { fromDbJson } from '../../../common/db/columns.ts'
import { BadRequest, NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { validator } from '../../../common/http/validation.ts'
import type { OauthConsumerRow } from '../../db/schema.ts'
import { collection, enforce, links, type IdentityDeps, type IdentityRequest } from '../context.ts'
import { extraOf, newId } from '../ids.ts'

const known = ['id', 'description', 'secret', 'links']
const consumerProps = { description: { type: ['string', 'null'] } }

/** keystone/oauth1/schema.py: only the description is known; other attributes are kept. A body is optional. */
const checkCreateBody = validator({
  type: 'object',
  properties: { consumer: { type: 'object', properties: consumerProps } },
})

const updateConsumerBody = {
  type: 'object', required: ['consumer'],
  properties: { consumer: { type: 'object', minProperties: 1, properties: consumerProps } },
} as const

type ConsumerBody = { id?: unknown; description?: string | null; secret?: unknown } & Record<string, unknown>

/** An absent or null description is stored as '' and answered as null, as Keystone answers it. */
function renderConsumer(req: IdentityRequest, c: OauthConsumerRow): Record<string, unknown> {
  return {
    ...fromDbJson<Record<string, unknown>>(c.extra, {}),
    id: c.id, description: c.description || null, links: links(req, `OS-OAUTH1/consumers/${c.id}`),
  }
}

export function oauthConsumersRoutes(deps: IdentityDeps): Route[] {
  const { db } = deps

  async function loadConsumer(id: string): Promise<OauthConsumerRow> {
    const row = await db.selectFrom('oauth_consumers').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) throw new NotFound('Consumer not found')
    return row
  }

  return [
    route('POST', '/v3/OS-OAUTH1/consumers', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:create_consumer')
      if (req.body !== undefined) checkCreateBody(req.body)
      const body = (req.body as { consumer?: ConsumerBody } | undefined)?.consumer ?? {}
      const row: OauthConsumerRow = {
        id: newId(), description: body.description ?? '', secret: randomBytes(16).toString('hex'), extra: extraOf(body, known),
      }
      await db.insertInto('oauth_consumers').values(row).execute()
      deps.log.info('created OAuth1 consumer', { consumer_id: row.id })
      return { status: 201, body: { consumer: { ...renderConsumer(req, row), secret: row.secret } } }
    }),

    route('GET', '/v3/OS-OAUTH1/consumers', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:list_consumers')
      const rows = await db.selectFrom('oauth_consumers').selectAll().orderBy('id').execute()
      return { status: 200, body: collection(req, 'consumers', rows.map((c) => renderConsumer(req, c))) }
    }),

    route('GET', '/v3/OS-OAUTH1/consumers/:consumer_id', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:get_consumer')
      return { status: 200, body: { consumer: renderConsumer(req, await loadConsumer(req.params.consumer_id)) } }
    }),

    route('PATCH', '/v3/OS-OAUTH1/consumers/:consumer_id', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:update_consumer')
      const body = (req.body as { consumer: ConsumerBody }).consumer
      if ('secret' in body) throw new BadRequest('Invalid input for field \'secret\': the secret of a consumer cannot be changed.')
      if (body.id != null && body.id !== req.params.consumer_id) throw new BadRequest('Cannot change ID')
      const c = await loadConsumer(req.params.consumer_id)
      const extra = { ...JSON.parse(c.extra), ...JSON.parse(extraOf(body, known)) }
      await db.updateTable('oauth_consumers').set({
        description: body.description === undefined ? c.description : body.description ?? '', extra: JSON.stringify(extra),
      }).where('id', '=', c.id).execute()
      return { status: 200, body: { consumer: renderConsumer(req, await loadConsumer(c.id)) } }
    }, { body: updateConsumerBody }),

    route('DELETE', '/v3/OS-OAUTH1/consumers/:consumer_id', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:delete_consumer')
      const c = await loadConsumer(req.params.consumer_id)
      await db.deleteFrom('oauth_consumers').where('id', '=', c.id).execute()
      deps.log.info('deleted OAuth1 consumer', { consumer_id: c.id })
      return { status: 204 }
    }),
  ]
}
