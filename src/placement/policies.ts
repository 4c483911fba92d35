import type { PolicyDefault } from '../common/policy/policy-enforcer.ts'

/*
 * Placement's default policies: placement/policies/*.py at openstack/placement master 7ad9ef0
 * (2026-06-25), with oslo.policy's enforce_new_defaults (the deprecated `role:admin` fallbacks are
 * not OR'd in). Everything is admin or service, except total usages, which a project reader may
 * read for its own project, and the reshaper, which only the service role may call. Every rule is
 * scope_types=['project'].
 */
const ADMIN_OR_SERVICE = 'rule:admin_or_service_api'
const project = (rule: string, description?: string): PolicyDefault => ({ rule, scopeTypes: ['project'], description })

const crud = (prefix: string, actions: string[]) =>
  Object.fromEntries(actions.map((a) => [`${prefix}:${a}`, project(ADMIN_OR_SERVICE)]))

export const placementPolicies: Record<string, PolicyDefault> = {
  admin_api: project('role:admin', 'Default rule for most placement APIs.'),
  service_api: project('role:service', 'Default rule for service-to-service placement APIs.'),
  admin_or_service_api: project('role:admin or role:service', 'Default rule for most placement APIs.'),
  project_reader_api: { rule: 'role:reader and project_id:%(project_id)s', description: 'Default rule for Project level reader APIs.' },
  admin_or_project_reader_or_service_api: project('role:admin or rule:project_reader_api or role:service'),
  ...crud('placement:resource_providers', ['list', 'create', 'show', 'update', 'delete']),
  ...crud('placement:resource_classes', ['list', 'create', 'show', 'update', 'delete']),
  ...crud('placement:resource_providers:inventories', ['list', 'create', 'show', 'update', 'delete']),
  ...crud('placement:resource_providers:aggregates', ['list', 'update']),
  ...crud('placement:resource_providers:traits', ['list', 'update', 'delete']),
  ...crud('placement:traits', ['list', 'show', 'update', 'delete']),
  ...crud('placement:allocations', ['list', 'manage', 'update', 'delete']),
  'placement:resource_providers:allocations:list': project(ADMIN_OR_SERVICE),
  'placement:resource_providers:usages': project(ADMIN_OR_SERVICE),
  'placement:usages': project('rule:admin_or_project_reader_or_service_api'),
  'placement:allocation_candidates:list': project(ADMIN_OR_SERVICE),
  'placement:reshaper:reshape': project('rule:service_api'),
}
