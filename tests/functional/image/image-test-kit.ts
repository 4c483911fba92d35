/** What the image tests share: a cloud with the image service, extra projects, and upload/download helpers. */
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { ApiClient } from '../../support/client.ts'
import type { TestCloud } from '../../support/cloud.ts'

export const octet = { 'content-type': 'application/octet-stream' }
export const patchV21 = { 'content-type': 'application/openstack-images-v2.1-json-patch' }
export const patchV20 = { 'content-type': 'application/openstack-images-v2.0-json-patch' }

/** A new project with a member user, logged in; the project's id is `projectId`. */
export async function newProject(cloud: TestCloud, name = `p-${randomUUID().slice(0, 8)}`): Promise<{ client: ApiClient; projectId: string }> {
  const admin = await cloud.admin()
  const project = await admin.post('/v3/projects', { project: { name, domain_id: 'default' } })
  assert.equal(project.status, 201, JSON.stringify(project.body))
  const user = await admin.post('/v3/users', { user: { name: `${name}-user`, password: 'secret-pw', domain_id: 'default' } })
  assert.equal(user.status, 201, JSON.stringify(user.body))
  const roles = await admin.get('/v3/roles?name=member')
  const role = roles.body.roles[0].id
  const grant = await admin.put(`/v3/projects/${project.body.project.id}/users/${user.body.user.id}/roles/${role}`)
  assert.equal(grant.status, 204)
  const login = await ApiClient.login(cloud.identityUrl, { user: `${name}-user`, password: 'secret-pw', project: name })
  return { client: login, projectId: project.body.project.id }
}

/** The caller's project id (from its token). */
export const projectOf = (client: ApiClient): string => client.tokenBody.token.project.id

export async function createImage(image: ApiClient, fields: Record<string, unknown> = {}): Promise<any> {
  const res = await image.post('/v2/images', { name: 'test', disk_format: 'raw', container_format: 'bare', ...fields })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return res.body
}

export async function upload(image: ApiClient, id: string, data: Uint8Array, headers: Record<string, string> = octet): Promise<Response> {
  return image.raw('PUT', `/v2/images/${id}/file`, data, headers)
}

/** A chunked upload (no Content-Length), as tempest and the SDK send it. */
export function chunkedBody(data: Uint8Array, chunkBytes = 64 * 1024): ReadableStream<Uint8Array> {
  let offset = 0
  return new ReadableStream({
    pull(controller) {
      if (offset >= data.length) return controller.close()
      controller.enqueue(data.subarray(offset, offset + chunkBytes))
      offset += chunkBytes
    },
  })
}

export async function activeImage(image: ApiClient, fields: Record<string, unknown> = {}, data: Uint8Array = randomBytes(4096)): Promise<any> {
  const created = await createImage(image, fields)
  const res = await upload(image, created.id, data)
  assert.equal(res.status, 204, await res.text())
  return (await image.get(`/v2/images/${created.id}`)).body
}

/** The message of a Glance error body without webob's markup. */
export function messageOf(body: any): string {
  const raw: string = body?.error?.message ?? body?.message ?? ''
  return raw.split('<br /><br />').map((s) => s.trim()).filter(Boolean).join(' ')
}

export const ids = (list: Array<{ id: string }>): string[] => list.map((i) => i.id)
