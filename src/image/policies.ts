import type { PolicyDefault, ScopeType } from '../common/policy/policy-enforcer.ts'

/*
 * Glance's default policies: glance/policies/{base,image,tasks,metadef,cache,discovery}.py at
 * openstack/glance master c76abb0 (2026-07-22). Rule strings are Glance's verbatim; the constants
 * mirror base.py. Every action is scope_types=['project']: a system- or domain-scoped token is
 * refused everything (oslo.policy >= 6.0, which Glance now requires, always enforces scope).
 *
 * Upstream runs with oslo.policy's enforce_new_defaults=True (the default since oslo.policy 4.0),
 * so the Wallaby-era deprecated rules (mostly `rule:default`) are not OR'd in and are not listed here.
 * With enforce_new_defaults=False Glance would also run its legacy admin-or-owner checks in code;
 * we don't model that mode.
 *
 * ## The target Glance passes (glance/api/v2/policy.py, glance/api/policy.py ImageTarget)
 *
 * Image actions on an existing image (get_image, modify_image, publicize_image, communitize_image,
 * delete_image, upload_image, download_image, download_from_store, deactivate, reactivate,
 * copy_image, *_image_location, add_image_location, fetch_image_location, cache_* with an image,
 * list_cached_nodes) and every member action (add_member, get_member, get_members, modify_member,
 * delete_member): the image itself, i.e. ImageTarget, whose keys are
 *   - `project_id`: the image's `owner` (ImageTarget aliases project_id -> owner)
 *   - `owner`: the image's owner project id
 *   - `member_id`: NOT the member id in the URL. It is the image's `member` attribute, which
 *     glance/db ImageRepo sets to the *caller's* project id whenever the image's visibility is
 *     'shared' and the caller's project is not the owner, and to null otherwise. (For a
 *     non-admin that means the caller's project is a member, in any member_status: the
 *     repository doesn't return the image otherwise.) It is what makes `modify_member`
 *     (accept/reject) pass for the member project and fail for the owner.
 *   - `visibility`: 'public' | 'community' | 'shared' | 'private'
 *   - `id` (aliased to image_id), `status`, `name`, `protected`, `os_hidden`, ... every image
 *     attribute, then the image's extra properties; absent keys make a check fail.
 * There is no `member_status` key: member status never reaches the policy engine.
 *
 * add_image (POST /v2/images) has no image yet; the target is built from the request body:
 *   { project_id: body.owner ?? caller's project, owner: same, visibility: body.visibility ?? 'private' }
 * and afterwards Glance enforces `publicize_image` when that visibility is 'public' and
 * `communitize_image` when it is 'community' (same target). A PATCH setting `visibility` to
 * 'public' or 'community' does the same check, on the stored image's target (its current
 * visibility, not the new one), before `modify_image`.
 *
 * get_images (GET /v2/images): { project_id: caller's project } as a gate, then every listed image
 * is checked with get_image on its own target and dropped when that fails.
 * get_metadef_namespaces, and add_metadef_namespace with whatever is created inside the new
 * namespace in the same request: { project_id: caller's project }; every action on or inside an
 * existing namespace: { project_id: namespace.owner, visibility: namespace.visibility }.
 * tasks_api_access, stores_info_detail, cache_list/cache_clean/cache_prune: {}.
 *
 * Denials on an existing image are answered 404 rather than 403 whenever get_image on the same
 * target fails too (so images the caller can't see stay hidden); creation denials are 403.
 * Member actions first enforce get_image on the image, then their own rule.
 *
 * Policy is not Glance's only gate: `get_image`/`download_image` pass for *any* reader on any
 * 'shared' image ('shared':%(visibility)s); the repository layer is what hides shared images
 * from projects that are not members (and private images from non-owners), and the member
 * controller is what limits modify_member to the caller's own membership. The API layer must
 * keep those visibility/membership filters; the policy alone is not enough.
 *
 * `default` is '' (allow): in oslo.policy a `rule:` reference to an unregistered name falls back
 * to `default`. Glance itself refuses unregistered *actions* (PolicyNotRegistered), as our engine does.
 */

// glance/policies/base.py
const PROJECT_MEMBER = 'role:member and project_id:%(project_id)s'
const PROJECT_READER = 'role:reader and project_id:%(project_id)s'
const IMAGE_MEMBER_CHECK = 'project_id:%(member_id)s'
const COMMUNITY_VISIBILITY_CHECK = "'community':%(visibility)s"
const PUBLIC_VISIBILITY_CHECK = "'public':%(visibility)s"
const SHARED_VISIBILITY_CHECK = "'shared':%(visibility)s"

const PROJECT_MEMBER_OR_IMAGE_MEMBER_OR_COMMUNITY_OR_PUBLIC_OR_SHARED =
  `role:member and (project_id:%(project_id)s or ${IMAGE_MEMBER_CHECK} `
  + `or ${COMMUNITY_VISIBILITY_CHECK} or ${PUBLIC_VISIBILITY_CHECK} `
  + `or ${SHARED_VISIBILITY_CHECK})`
const PROJECT_READER_OR_IMAGE_MEMBER_OR_COMMUNITY_OR_PUBLIC_OR_SHARED =
  `role:reader and (project_id:%(project_id)s or ${IMAGE_MEMBER_CHECK} `
  + `or ${COMMUNITY_VISIBILITY_CHECK} or ${PUBLIC_VISIBILITY_CHECK} `
  + `or ${SHARED_VISIBILITY_CHECK})`
const PROJECT_READER_OR_PUBLIC_NAMESPACE = `role:reader and (project_id:%(project_id)s or ${PUBLIC_VISIBILITY_CHECK})`

const ADMIN = 'rule:context_is_admin'
const DEFAULT = 'rule:default'
const ADMIN_OR_PROJECT_MEMBER = `${ADMIN} or (${PROJECT_MEMBER})`
const ADMIN_OR_PROJECT_READER = `${ADMIN} or (${PROJECT_READER})`
const ADMIN_OR_PROJECT_READER_GET_IMAGE = `${ADMIN} or (${PROJECT_READER_OR_IMAGE_MEMBER_OR_COMMUNITY_OR_PUBLIC_OR_SHARED})`
const ADMIN_OR_PROJECT_MEMBER_DOWNLOAD_IMAGE = `${ADMIN} or (${PROJECT_MEMBER_OR_IMAGE_MEMBER_OR_COMMUNITY_OR_PUBLIC_OR_SHARED})`
const ADMIN_OR_PROJECT_MEMBER_CREATE_IMAGE = `${ADMIN} or (${PROJECT_MEMBER} and project_id:%(owner)s)`
const ADMIN_OR_PROJECT_READER_GET_NAMESPACE = `${ADMIN} or (${PROJECT_READER_OR_PUBLIC_NAMESPACE})`
const ADMIN_OR_SHARED_MEMBER = `${ADMIN} or (role:member and ${IMAGE_MEMBER_CHECK})`
// Unparenthesized upstream too; `and` binds tighter than `or`, so it reads as ADMIN or (reader and (...)).
const ADMIN_OR_PROJECT_READER_OR_SHARED_MEMBER = `${ADMIN} or role:reader and (project_id:%(project_id)s or ${IMAGE_MEMBER_CHECK})`
const SERVICE_OR_PROJECT_MEMBER = `rule:service_api or (${PROJECT_MEMBER} and project_id:%(owner)s)`
const SERVICE = 'rule:service_api'
const ADMIN_OR_SERVICE_ROLE = `${ADMIN} or ${SERVICE}`

// glance/policies/metadef.py
const METADEF_ADMIN = 'rule:metadef_admin'

const rule = (check: string): PolicyDefault => ({ rule: check })
const PROJECT_SCOPE: readonly ScopeType[] = ['project']
const p = (check: string): PolicyDefault => ({ rule: check, scopeTypes: [...PROJECT_SCOPE] })

/** Glance's registered defaults keyed by rule name, in upstream list_rules() order. */
export const imagePolicies: Record<string, PolicyDefault> = {
  // base.py
  'default': rule(''),
  'context_is_admin': rule('role:admin'),
  // Upstream keeps role:admin here until after 2026.1 for services that don't send a service-role token.
  'service_api': rule('role:service or role:admin'),
  // image.py
  'add_image': p(ADMIN_OR_PROJECT_MEMBER_CREATE_IMAGE),
  'delete_image': p(ADMIN_OR_PROJECT_MEMBER),
  'get_image': p(ADMIN_OR_PROJECT_READER_GET_IMAGE),
  'get_images': p(ADMIN_OR_PROJECT_READER),
  'modify_image': p(ADMIN_OR_PROJECT_MEMBER),
  'publicize_image': p(ADMIN),
  'communitize_image': p(ADMIN_OR_PROJECT_MEMBER),
  'download_image': p(ADMIN_OR_PROJECT_MEMBER_DOWNLOAD_IMAGE),
  'download_from_store': p(ADMIN_OR_PROJECT_MEMBER_DOWNLOAD_IMAGE),
  'upload_image': p(ADMIN_OR_PROJECT_MEMBER),
  'delete_image_location': p(ADMIN),
  'get_image_location': p(ADMIN_OR_PROJECT_READER),
  'set_image_location': p(ADMIN_OR_PROJECT_MEMBER),
  'add_image_location': p(SERVICE_OR_PROJECT_MEMBER),
  'fetch_image_location': p(SERVICE),
  'add_member': p(ADMIN_OR_PROJECT_MEMBER),
  'delete_member': p(ADMIN_OR_PROJECT_MEMBER),
  'get_member': p(ADMIN_OR_PROJECT_READER_OR_SHARED_MEMBER),
  'get_members': p(ADMIN_OR_PROJECT_READER_OR_SHARED_MEMBER),
  'modify_member': p(ADMIN_OR_SHARED_MEMBER),
  'manage_image_cache': p(ADMIN),
  'deactivate': p(ADMIN_OR_PROJECT_MEMBER),
  'reactivate': p(ADMIN_OR_PROJECT_MEMBER),
  'copy_image': p(ADMIN),
  'list_cached_nodes': p(ADMIN),
  // tasks.py: only tasks_api_access gates the /v2/tasks API; the others are internal (modify_task is unused).
  'get_task': p(DEFAULT),
  'get_tasks': p(DEFAULT),
  'add_task': p(DEFAULT),
  'modify_task': p(DEFAULT),
  'tasks_api_access': p(ADMIN),
  // metadef.py
  'metadef_default': rule(''),
  'metadef_admin': rule(ADMIN),
  'get_metadef_namespace': p(ADMIN_OR_PROJECT_READER_GET_NAMESPACE),
  'get_metadef_namespaces': p(ADMIN_OR_PROJECT_READER),
  'modify_metadef_namespace': p(METADEF_ADMIN),
  'add_metadef_namespace': p(METADEF_ADMIN),
  'delete_metadef_namespace': p(METADEF_ADMIN),
  'get_metadef_object': p(ADMIN_OR_PROJECT_READER_GET_NAMESPACE),
  'get_metadef_objects': p(ADMIN_OR_PROJECT_READER_GET_NAMESPACE),
  'modify_metadef_object': p(METADEF_ADMIN),
  'add_metadef_object': p(METADEF_ADMIN),
  'delete_metadef_object': p(METADEF_ADMIN),
  'list_metadef_resource_types': p(ADMIN_OR_PROJECT_READER_GET_NAMESPACE),
  'get_metadef_resource_type': p(ADMIN_OR_PROJECT_READER_GET_NAMESPACE),
  'add_metadef_resource_type_association': p(METADEF_ADMIN),
  'remove_metadef_resource_type_association': p(METADEF_ADMIN),
  'get_metadef_property': p(ADMIN_OR_PROJECT_READER_GET_NAMESPACE),
  'get_metadef_properties': p(ADMIN_OR_PROJECT_READER_GET_NAMESPACE),
  'modify_metadef_property': p(METADEF_ADMIN),
  'add_metadef_property': p(METADEF_ADMIN),
  'remove_metadef_property': p(METADEF_ADMIN),
  'get_metadef_tag': p(ADMIN_OR_PROJECT_READER_GET_NAMESPACE),
  'get_metadef_tags': p(ADMIN_OR_PROJECT_READER_GET_NAMESPACE),
  'modify_metadef_tag': p(METADEF_ADMIN),
  'add_metadef_tag': p(METADEF_ADMIN),
  'add_metadef_tags': p(METADEF_ADMIN),
  'delete_metadef_tag': p(METADEF_ADMIN),
  'delete_metadef_tags': p(METADEF_ADMIN),
  // cache.py
  'cache_image': p(ADMIN),
  'cache_list': p(ADMIN),
  'cache_delete': p(ADMIN),
  'cache_clean': p(ADMIN),
  'cache_prune': p(ADMIN),
  // discovery.py
  'stores_info_detail': p(ADMIN_OR_SERVICE_ROLE),
}
