/** Table shapes of the identity database. Booleans are 0/1, times ISO text, JSON as text. */
export type DomainRow = { id: string; name: string; description: string; enabled: number; extra: string; created_at: string }
export type ProjectRow = {
  id: string; name: string; domain_id: string; parent_id: string | null; description: string
  enabled: number; extra: string; created_at: string
}
export type ProjectTagRow = { project_id: string; name: string }
export type UserRow = {
  id: string; name: string; domain_id: string; enabled: number; default_project_id: string | null
  description: string; extra: string; created_at: string
  password_hash: string | null; password_created_at: string | null; password_expires_at: string | null
  failed_auth_count: number; failed_auth_at: string | null; last_active_at: string | null
}
export type PasswordHistoryRow = { id?: number; user_id: string; password_hash: string; created_at: string }
export type GroupRow = { id: string; name: string; domain_id: string; description: string; extra: string }
export type GroupMemberRow = { group_id: string; user_id: string }
/** Global roles have domain_id '' so (name, domain_id) can be unique on every engine. */
export type RoleRow = { id: string; name: string; domain_id: string; description: string; options: string }
export type ImpliedRoleRow = { prior_role_id: string; implied_role_id: string }
export type AssignmentType = 'UserProject' | 'GroupProject' | 'UserDomain' | 'GroupDomain' | 'UserSystem' | 'GroupSystem'
/** target_id is 'system' for system assignments. */
export type AssignmentRow = { type: AssignmentType; actor_id: string; target_id: string; role_id: string; inherited: number }
export type RegionRow = { id: string; description: string; parent_region_id: string | null; extra: string }
export type ServiceRow = { id: string; type: string; name: string; description: string; enabled: number; extra: string }
export type EndpointRow = {
  id: string; service_id: string; interface: string; url: string; region_id: string | null; enabled: number; extra: string
}
export type CredentialRow = {
  id: string; user_id: string; project_id: string | null; type: string; encrypted_blob: string; key_hash: string; extra: string
}
export type AppCredRow = {
  id: string; name: string; user_id: string; project_id: string; secret_hash: string; description: string
  expires_at: string | null; unrestricted: number; created_at: string
}
export type AppCredRoleRow = { app_cred_id: string; role_id: string }
/** A revocation event matches a token when every non-null field matches and the token is not newer. */
export type RevocationRow = {
  id?: number; user_id: string | null; project_id: string | null; domain_id: string | null; role_id: string | null
  audit_id: string | null; app_cred_id: string | null; issued_before: string; revoked_at: string
}

export type PolicyRow = { id: string; type: string; blob: string; extra: string }
export type EndpointGroupRow = { id: string; name: string; description: string; filters: string }
export type ProjectEndpointGroupRow = { endpoint_group_id: string; project_id: string }
export type ProjectEndpointRow = { endpoint_id: string; project_id: string }
/** OAuth1 consumers: the secret is shown once at creation, as Keystone does, and kept for signing. */
export type OauthConsumerRow = { id: string; description: string; secret: string; extra: string }
/** Per-domain identity driver options (Keystone's domain-specific configuration), one row per option. */
export type DomainConfigRow = { domain_id: string; group_name: string; option_name: string; value: string; sensitive: number }

export type IdentityDb = {
  domains: DomainRow
  projects: ProjectRow
  project_tags: ProjectTagRow
  users: UserRow
  password_history: PasswordHistoryRow
  groups: GroupRow
  group_members: GroupMemberRow
  roles: RoleRow
  implied_roles: ImpliedRoleRow
  assignments: AssignmentRow
  regions: RegionRow
  services: ServiceRow
  endpoints: EndpointRow
  credentials: CredentialRow
  app_creds: AppCredRow
  app_cred_roles: AppCredRoleRow
  revocation_events: RevocationRow
  policies: PolicyRow
  endpoint_groups: EndpointGroupRow
  project_endpoint_groups: ProjectEndpointGroupRow
  project_endpoints: ProjectEndpointRow
  oauth_consumers: OauthConsumerRow
  domain_configs: DomainConfigRow
}
