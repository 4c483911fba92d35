import type { PolicyDefault } from '../common/policy/policy-enforcer.ts'

/*
 * Nova's default policies (nova/policies/*.py, 2024.1 and later defaults with
 * enforce_new_defaults and enforce_scope on): base rules from nova/policies/base.py, and every
 * API action Nubis serves mapped to the base rule upstream gives it. Project scope everywhere,
 * as upstream since 2023.2 (system-scoped tokens get 403).
 */
const ADMIN = 'role:admin'
const PROJECT_MANAGER_OR_ADMIN = 'rule:context_is_admin or (role:manager and project_id:%(project_id)s)'
const PROJECT_MEMBER_OR_ADMIN = 'rule:context_is_admin or (role:member and project_id:%(project_id)s)'
const PROJECT_READER_OR_ADMIN = 'rule:context_is_admin or (role:reader and project_id:%(project_id)s)'
const ANY = '@'

const project = (rule: string): PolicyDefault => ({ rule, scopeTypes: ['project'] })

const member = [
  'servers:create', 'servers:create:forced_host', 'servers:delete', 'servers:update', 'servers:confirm_resize',
  'servers:revert_resize', 'servers:reboot', 'servers:resize', 'servers:rebuild', 'servers:rebuild:trusted_certs', 'servers:create_image',
  'servers:start', 'servers:stop', 'servers:trigger_crash_dump',
  'os-pause-server:pause', 'os-pause-server:unpause', 'os-suspend-server:suspend', 'os-suspend-server:resume',
  'os-rescue', 'os-unrescue', 'os-shelve:shelve', 'os-shelve:unshelve', 'os-lock-server:lock', 'os-lock-server:unlock',
  'os-admin-password', 'os-attach-interfaces:create', 'os-attach-interfaces:delete',
  'server-metadata:create', 'server-metadata:update', 'server-metadata:update_all', 'server-metadata:delete',
  'os-server-tags:delete', 'os-server-tags:delete_all', 'os-server-tags:update', 'os-server-tags:update_all',
  'os-security-groups:add', 'os-security-groups:remove',
  'os-floating-ips:add', 'os-floating-ips:remove', 'os-floating-ips:create', 'os-floating-ips:delete',
  'os-server-groups:create', 'os-server-groups:delete', 'os-console-output', 'os-create-backup',
  'os-multiple-create', 'servers:create:attach_network', 'servers:create:attach_volume', 'servers:create:trusted_certs',
  'os-volumes-attachments:create', 'os-volumes-attachments:update', 'os-volumes-attachments:delete',
  'images:delete', 'os-deferred-delete:restore', 'os-deferred-delete:force', 'os-server-password:clear',
]
const reader = [
  'servers:index', 'servers:detail', 'servers:show', 'ips:index', 'ips:show', 'os-attach-interfaces:list',
  'os-attach-interfaces:show', 'server-metadata:index', 'server-metadata:show', 'os-server-tags:index',
  'os-server-tags:show', 'os-instance-actions:list', 'os-instance-actions:show', 'os-security-groups:list',
  'os-server-groups:index', 'os-server-groups:show', 'os-server-password:show',
  'os-simple-tenant-usage:show', 'os-quota-sets:show', 'os-quota-sets:detail',
  'os-volumes-attachments:index', 'os-volumes-attachments:show', 'servers:show:flavor-extra-specs',
  'os-flavor-extra-specs:index', 'os-flavor-extra-specs:show', 'os-tenant-networks:list', 'os-tenant-networks:show',
  'os-floating-ips:list', 'os-floating-ips:show', 'os-networks:list', 'os-networks:show',
]
const admin = [
  'servers:detail:get_all_tenants', 'servers:index:get_all_tenants', 'servers:allow_all_filters',
  'servers:show:host_status', 'servers:show:host_status:unknown-only', 'servers:migrations:index',
  'servers:create:requested_destination', 'servers:create:zero_disk_flavor',
  'os-extended-server-attributes', 'os-migrate-server:migrate', 'os-migrate-server:migrate:host',
  'os-migrate-server:migrate_live', 'os-migrate-server:migrate_live:host', 'os-evacuate', 'os-admin-actions:reset_state', 'os-admin-actions:inject_network_info',
  'os-shelve:shelve_offload', 'os-shelve:unshelve_to_host', 'os-lock-server:unlock:unlock_override',
  'servers:migrations:show', 'servers:migrations:force_complete', 'servers:migrations:delete',
  'os-migrations:index', 'os-instance-actions:events', 'os-instance-actions:events:details',
  'os-services:list', 'os-services:update', 'os-services:delete', 'os-hypervisors:list', 'os-hypervisors:list-detail',
  'os-hypervisors:show', 'os-hypervisors:statistics', 'os-hypervisors:uptime', 'os-hypervisors:search', 'os-hypervisors:servers',
  'os-aggregates:index', 'os-aggregates:create', 'os-aggregates:show', 'os-aggregates:update', 'os-aggregates:delete',
  'os-aggregates:add_host', 'os-aggregates:remove_host', 'os-aggregates:set_metadata', 'os-aggregates:images',
  'os-availability-zone:detail', 'os-flavor-manage:create', 'os-flavor-manage:update', 'os-flavor-manage:delete',
  'os-flavor-access:add_tenant_access', 'os-flavor-access:remove_tenant_access', 'os-flavor-access',
  'os-flavor-extra-specs:create', 'os-flavor-extra-specs:update', 'os-flavor-extra-specs:delete',
  'os-quota-sets:update', 'os-quota-sets:delete', 'os-quota-sets:defaults:update', 'os-quota-class-sets:update',
  'os-quota-class-sets:show', 'os-simple-tenant-usage:list', 'os-server-groups:index:all_projects',
  'os-hosts:list', 'os-hosts:show', 'os-hosts:update', 'os-hosts:start', 'os-hosts:shutdown', 'os-hosts:reboot', 'os-keypairs:index:other_user',
  'os-volumes-attachments:swap', 'os-instance-usage-audit-log:list', 'os-instance-usage-audit-log:show', 'os-server-diagnostics',
]

export const computePolicies: Record<string, PolicyDefault> = {
  context_is_admin: { rule: 'role:admin' },
  admin_api: { rule: ADMIN },
  project_member_api: { rule: PROJECT_MEMBER_OR_ADMIN },
  project_reader_api: { rule: PROJECT_READER_OR_ADMIN },
  project_manager_api: { rule: PROJECT_MANAGER_OR_ADMIN },
  ...Object.fromEntries(member.map((n) => [`os_compute_api:${n}`, project(PROJECT_MEMBER_OR_ADMIN)])),
  ...Object.fromEntries(reader.map((n) => [`os_compute_api:${n}`, project(PROJECT_READER_OR_ADMIN)])),
  ...Object.fromEntries(admin.map((n) => [`os_compute_api:${n}`, project(ADMIN)])),
  // Everyone may see flavors, limits, zones, versions and their own key pairs.
  'os_compute_api:os-flavor-access:list': project(ANY),
  'os_compute_api:os-availability-zone:list': project(ANY),
  'os_compute_api:limits': project(ANY),
  'os_compute_api:limits:other_project': project(ADMIN),
  'os_compute_api:os-keypairs:index': project('(role:admin) or user_id:%(user_id)s'),
  'os_compute_api:os-keypairs:show': project('(role:admin) or user_id:%(user_id)s'),
  'os_compute_api:os-keypairs:create': project('(role:admin) or user_id:%(user_id)s'),
  'os_compute_api:os-keypairs:delete': project('(role:admin) or user_id:%(user_id)s'),
  'os_compute_api:os-quota-sets:defaults': project(ANY),
  'os_compute_api:extensions': project(ANY),
  'os_compute_api:images:show': project(ANY),
  'os_compute_api:images:index': project(ANY),
  'os_compute_api:os-lock-server:unlock:unlock_override': project(ADMIN),
  'os_compute_api:os-flavor-manage:list': project(ANY),
  'os_compute_api:os-floating-ip-pools': project(ANY),
  // Called by the network and block storage services: any admin, or a user with the service role.
  'os_compute_api:os-server-external-events:create': project('rule:context_is_admin or role:service'),
  // The security group proxy leaves the decision to the network service, as Nova's RULE_ANY does.
  ...Object.fromEntries(['get', 'show', 'create', 'update', 'delete', 'rule:create', 'rule:delete']
    .map((n) => [`os_compute_api:os-security-groups:${n}`, project(ANY)])),
}
