import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createEnforcer, type PolicyCredentials } from '../common/policy/policy-enforcer.ts'
import { imagePolicies } from './policies.ts'

const enforcer = createEnforcer(imagePolicies)
const allow = (action: string, target: Record<string, unknown>, creds: PolicyCredentials) =>
  enforcer.authorize(action, target, creds)

// Keystone's implied roles are expanded in the token: admin > manager > member > reader.
const admin: PolicyCredentials = {
  userId: 'admin', userDomainId: 'default', projectId: 'admin-project', projectDomainId: 'default',
  roles: ['admin', 'manager', 'member', 'reader'],
}
const memberA: PolicyCredentials = { userId: 'alice', userDomainId: 'd1', projectId: 'pA', projectDomainId: 'd1', roles: ['member', 'reader'] }
const readerA: PolicyCredentials = { ...memberA, userId: 'rita', roles: ['reader'] }
const memberB: PolicyCredentials = { userId: 'bob', userDomainId: 'd1', projectId: 'pB', projectDomainId: 'd1', roles: ['member', 'reader'] }
const memberC: PolicyCredentials = { userId: 'carol', userDomainId: 'd1', projectId: 'pC', projectDomainId: 'd1', roles: ['member', 'reader'] }
const systemReader: PolicyCredentials = { userId: 'sys-reader', system: 'all', roles: ['reader'] }
const systemAdmin: PolicyCredentials = { userId: 'sys-admin', system: 'all', roles: ['admin', 'manager', 'member', 'reader'] }
const service: PolicyCredentials = { userId: 'nova', projectId: 'service', roles: ['service'] }

/** ImageTarget of an existing image as `viewer` sees it (member_id is the viewer's project on shared images it doesn't own). */
function imageTarget(owner: string, visibility: string, viewer?: PolicyCredentials): Record<string, unknown> {
  const member = visibility === 'shared' && viewer?.projectId !== undefined && viewer.projectId !== owner ? viewer.projectId : null
  return { id: 'img-1', project_id: owner, owner, visibility, member_id: member, status: 'active', protected: false }
}
/** add_image's target: built from the request body, owner defaulting to the caller's project. */
const newImageTarget = (owner: string, visibility = 'private') => ({ project_id: owner, owner, visibility })

/** Upstream rule names per glance/policies module, in list_rules() order (master c76abb0). */
const UPSTREAM_NAMES: Record<string, string> = {
  base: 'default context_is_admin service_api',
  image: 'add_image delete_image get_image get_images modify_image publicize_image communitize_image download_image '
    + 'download_from_store upload_image delete_image_location get_image_location set_image_location add_image_location '
    + 'fetch_image_location add_member delete_member get_member get_members modify_member manage_image_cache deactivate '
    + 'reactivate copy_image list_cached_nodes',
  tasks: 'get_task get_tasks add_task modify_task tasks_api_access',
  metadef: 'metadef_default metadef_admin get_metadef_namespace get_metadef_namespaces modify_metadef_namespace '
    + 'add_metadef_namespace delete_metadef_namespace get_metadef_object get_metadef_objects modify_metadef_object '
    + 'add_metadef_object delete_metadef_object list_metadef_resource_types get_metadef_resource_type '
    + 'add_metadef_resource_type_association remove_metadef_resource_type_association get_metadef_property '
    + 'get_metadef_properties modify_metadef_property add_metadef_property remove_metadef_property get_metadef_tag '
    + 'get_metadef_tags modify_metadef_tag add_metadef_tag add_metadef_tags delete_metadef_tag delete_metadef_tags',
  cache: 'cache_image cache_list cache_delete cache_clean cache_prune',
  discovery: 'stores_info_detail',
}

describe('imagePolicies', () => {
  it('defines exactly upstream\'s rules, in order, and the engine parses every one', () => {
    const expected = Object.values(UPSTREAM_NAMES).flatMap((names) => names.split(' '))
    assert.deepEqual(Object.keys(imagePolicies), expected)
    assert.equal(enforcer.rules().length, expected.length)
  })

  it('scopes every action to projects and leaves the base rules unscoped', () => {
    const base = new Set(['default', 'context_is_admin', 'service_api', 'metadef_default', 'metadef_admin'])
    for (const [name, def] of Object.entries(imagePolicies)) {
      assert.deepEqual(def.scopeTypes, base.has(name) ? undefined : ['project'], name)
    }
  })

  it('lets a member create images in its own project only; readers cannot create', () => {
    assert.equal(allow('add_image', newImageTarget('pA'), memberA), true)
    assert.equal(allow('add_image', newImageTarget('pB'), memberA), false)
    assert.equal(allow('add_image', newImageTarget('pA'), readerA), false)
    assert.equal(allow('add_image', newImageTarget('pB'), admin), true)
    assert.equal(allow('add_image', newImageTarget('pA'), systemReader), false)
  })

  it('lets a member upload, download, modify, deactivate and delete its own private image', () => {
    const own = imageTarget('pA', 'private', memberA)
    for (const action of ['upload_image', 'download_image', 'download_from_store', 'modify_image', 'deactivate', 'reactivate', 'delete_image', 'get_image']) {
      assert.equal(allow(action, own, memberA), true, action)
    }
  })

  it('keeps other projects away from a private image, and readers read-only', () => {
    const seenByB = imageTarget('pA', 'private', memberB)
    for (const action of ['get_image', 'download_image', 'upload_image', 'modify_image', 'delete_image', 'add_member']) {
      assert.equal(allow(action, seenByB, memberB), false, action)
    }
    const seenByReader = imageTarget('pA', 'private', readerA)
    assert.equal(allow('get_image', seenByReader, readerA), true)
    assert.equal(allow('download_image', seenByReader, readerA), false)
    assert.equal(allow('delete_image', seenByReader, readerA), false)
    assert.equal(allow('upload_image', seenByReader, readerA), false)
  })

  it('lets only admins publicize, while members may communitize their own images', () => {
    assert.equal(allow('publicize_image', imageTarget('pA', 'private', memberA), memberA), false)
    assert.equal(allow('publicize_image', newImageTarget('pA', 'public'), memberA), false)
    assert.equal(allow('publicize_image', imageTarget('pA', 'private', admin), admin), true)
    assert.equal(allow('communitize_image', imageTarget('pA', 'private', memberA), memberA), true)
    assert.equal(allow('communitize_image', imageTarget('pA', 'private', memberB), memberB), false)
  })

  it('lets the owner share an image; the member project accepts, the owner cannot accept for it', () => {
    assert.equal(allow('add_member', imageTarget('pA', 'shared', memberA), memberA), true)
    assert.equal(allow('add_member', imageTarget('pA', 'shared', readerA), readerA), false)
    assert.equal(allow('delete_member', imageTarget('pA', 'shared', memberA), memberA), true)

    const seenByMember = imageTarget('pA', 'shared', memberB)
    assert.equal(seenByMember.member_id, 'pB')
    assert.equal(allow('modify_member', seenByMember, memberB), true)
    assert.equal(allow('get_member', seenByMember, memberB), true)
    assert.equal(allow('get_members', seenByMember, memberB), true)
    assert.equal(allow('get_image', seenByMember, memberB), true)
    assert.equal(allow('download_image', seenByMember, memberB), true)
    assert.equal(allow('add_member', seenByMember, memberB), false)
    assert.equal(allow('delete_member', seenByMember, memberB), false)
    assert.equal(allow('upload_image', seenByMember, memberB), false)

    assert.equal(allow('modify_member', imageTarget('pA', 'shared', memberA), memberA), false)
    assert.equal(allow('modify_member', imageTarget('pA', 'shared', admin), admin), true)
  })

  it('relies on the repository for shared-image visibility: the policy alone admits any project', () => {
    // Upstream's get_image/download_image include 'shared':%(visibility)s; non-members never reach
    // the check because Glance's DB layer doesn't return the image to them.
    const seenByStranger = imageTarget('pA', 'shared', memberC)
    assert.equal(allow('get_image', seenByStranger, memberC), true)
    assert.equal(allow('download_image', seenByStranger, memberC), true)
    assert.equal(allow('modify_member', { ...seenByStranger, member_id: null }, memberC), false)
  })

  it('lets anyone read and members download public and community images', () => {
    for (const visibility of ['public', 'community']) {
      assert.equal(allow('get_image', imageTarget('pA', visibility, memberB), memberB), true, visibility)
      assert.equal(allow('download_image', imageTarget('pA', visibility, memberB), memberB), true, visibility)
      assert.equal(allow('modify_image', imageTarget('pA', visibility, memberB), memberB), false, visibility)
    }
  })

  it('gates listing on the caller\'s own project', () => {
    assert.equal(allow('get_images', { project_id: 'pA' }, readerA), true)
    assert.equal(allow('get_images', { project_id: 'pB' }, memberB), true)
    assert.equal(allow('get_images', { project_id: null }, systemReader), false)
  })

  it('gives admins everything in project scope, but nothing to system-scoped tokens', () => {
    const target = imageTarget('pB', 'private', admin)
    for (const action of ['get_image', 'delete_image', 'publicize_image', 'copy_image', 'delete_image_location', 'cache_image', 'tasks_api_access']) {
      assert.equal(allow(action, target, admin), true, action)
      assert.equal(allow(action, target, systemAdmin), false, action)
    }
  })

  it('limits locations, caching, tasks and store details to admins and services', () => {
    const own = imageTarget('pA', 'private', memberA)
    assert.equal(allow('get_image_location', own, readerA), true)
    assert.equal(allow('delete_image_location', own, memberA), false)
    assert.equal(allow('add_image_location', own, memberA), true)
    assert.equal(allow('add_image_location', own, service), true)
    assert.equal(allow('fetch_image_location', own, memberA), false)
    assert.equal(allow('fetch_image_location', own, service), true)
    assert.equal(allow('fetch_image_location', own, admin), true)
    assert.equal(allow('copy_image', own, memberA), false)
    assert.equal(allow('cache_list', {}, memberA), false)
    assert.equal(allow('tasks_api_access', {}, memberA), false)
    assert.equal(allow('get_task', {}, memberA), true)
    assert.equal(allow('stores_info_detail', {}, memberA), false)
    assert.equal(allow('stores_info_detail', {}, service), true)
  })

  it('shows public and own metadef namespaces; only admins change them', () => {
    const pub = { project_id: 'pA', visibility: 'public' }
    const priv = { project_id: 'pA', visibility: 'private' }
    assert.equal(allow('get_metadef_namespace', pub, memberB), true)
    assert.equal(allow('get_metadef_namespace', priv, memberB), false)
    assert.equal(allow('get_metadef_namespace', priv, readerA), true)
    assert.equal(allow('add_metadef_namespace', { project_id: 'pA' }, memberA), false)
    assert.equal(allow('add_metadef_namespace', { project_id: 'admin-project' }, admin), true)
  })
})
