/**
 * /v3/domains/{domain_id}/config: Keystone's domain-specific identity configuration. Only the options
 * Keystone whitelists for the `identity` and `ldap` groups may be stored; sensitive ones (ldap.password)
 * are kept but never shown. Also the defaults (/v3/domains/config/...default) and the readable part of
 * the security compliance settings.
 */
import { Forbidden, NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { getDomain } from '../../db/lookups.ts'
import type { DomainConfigRow } from '../../db/schema.ts'
import { enforce, type IdentityDeps, type IdentityRequest } from '../context.ts'

type Config = Record<string, Record<string, unknown>>

/** Keystone's `whitelisted_options`, each with the default Keystone ships (keystone/conf/identity.py, ldap.py). */
const DEFAULTS: Config = {
  identity: { driver: 'sql', list_limit: null },
  ldap: {
    url: 'ldap://localhost', user: null, suffix: 'cn=example,cn=com', query_scope: 'one', page_size: 0,
    alias_dereferencing: 'default', debug_level: null, chase_referrals: null, user_tree_dn: null, user_filter: null,
    user_objectclass: 'inetOrgPerson', user_id_attribute: 'cn', user_name_attribute: 'sn', user_mail_attribute: 'mail',
    user_description_attribute: 'description', user_pass_attribute: 'userPassword', user_enabled_attribute: 'enabled',
    user_enabled_invert: false, user_enabled_mask: 0, user_enabled_default: 'True', user_attribute_ignore: ['default_project_id'],
    user_default_project_id_attribute: null, user_enabled_emulation: false, user_enabled_emulation_dn: null,
    user_enabled_emulation_use_group_config: false, user_additional_attribute_mapping: [], group_tree_dn: null,
    group_filter: null, group_objectclass: 'groupOfNames', group_id_attribute: 'cn', group_name_attribute: 'ou',
    group_members_are_ids: false, group_member_attribute: 'member', group_desc_attribute: 'description',
    group_attribute_ignore: [], group_additional_attribute_mapping: [], tls_cacertfile: null, tls_cacertdir: null,
    use_tls: false, tls_req_cert: 'demand', use_pool: true, pool_size: 10, pool_retry_max: 3, pool_retry_delay: 0.1,
    pool_connection_timeout: -1, pool_connection_lifetime: 600, use_auth_pool: true, auth_pool_size: 100,
    auth_pool_connection_lifetime: 60,
  },
}
/** Keystone's `sensitive_options`: stored, never returned. */
const SENSITIVE: Record<string, string[]> = { identity: [], ldap: ['password'] }
const SECURITY_COMPLIANCE = 'security_compliance'
/** What anyone may read of the security compliance settings; Nubis sets no password regex. */
const READABLE_COMPLIANCE: Record<string, unknown> = { password_regex: null, password_regex_description: null }

const has = (o: object, k: string) => Object.hasOwn(o, k)
const isWhitelisted = (group: string, option: string) => has(DEFAULTS, group) && has(DEFAULTS[group], option)
const isSensitive = (group: string, option: string) => SENSITIVE[group]?.includes(option) ?? false

/** Keystone's InvalidDomainConfig is a Forbidden (403). */
const invalid = (reason: string) => new Forbidden(`Invalid domain specific configuration: ${reason}.`)

function notFound(domainId: string, group?: string, option?: string): NotFound {
  const what = option ? `option ${option} in group ${group}` : group ? `group ${group}` : 'any options'
  return new NotFound(`Could not find ${what} in domain configuration for domain ${domainId}.`)
}

function checkGroupAndOption(group?: string, option?: string): void {
  if (group === undefined) return
  if (!has(DEFAULTS, group)) throw invalid(`Group ${group} is not supported for domain specific configurations`)
  if (option !== undefined && !isWhitelisted(group, option) && !isSensitive(group, option)) {
    throw invalid(`Option ${option} in group ${group} is not supported for domain specific configurations`)
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A request's config: groups of options, every one of them supported. */
function checkConfig(config: unknown): Config {
  if (!isObject(config) || Object.keys(config).length === 0) throw invalid('No options specified')
  for (const [group, options] of Object.entries(config)) {
    if (!isObject(options) || Object.keys(options).length === 0) {
      throw invalid(`The value of group ${group} specified in the config should be a dictionary of options`)
    }
    for (const option of Object.keys(options)) checkGroupAndOption(group, option)
  }
  return config as Config
}

function toRows(domainId: string, config: Config): DomainConfigRow[] {
  return Object.entries(config).flatMap(([group, options]) => Object.entries(options).map(([option, value]) => ({
    domain_id: domainId, group_name: group, option_name: option, value: JSON.stringify(value ?? null),
    sensitive: isSensitive(group, option) ? 1 : 0,
  })))
}

/** {group: {option: value}}, or just {option: value} when one option was asked for. */
function toConfig(rows: DomainConfigRow[], option?: string): Record<string, unknown> {
  if (option !== undefined) return Object.fromEntries(rows.map((r) => [r.option_name, JSON.parse(r.value)]))
  const out: Config = {}
  for (const r of rows) (out[r.group_name] ??= {})[r.option_name] = JSON.parse(r.value)
  return out
}

function defaults(group?: string, option?: string): Record<string, unknown> {
  checkGroupAndOption(group, option)
  if (group === undefined) return DEFAULTS
  if (option === undefined) return { [group]: DEFAULTS[group] }
  if (!isWhitelisted(group, option)) throw invalid(`Reading the default for option ${option} in group ${group} is not supported`)
  return { [option]: DEFAULTS[group][option] }
}

export function domainConfigsRoutes(deps: IdentityDeps): Route[] {
  const { db } = deps

  /** Stored options of a domain, optionally of one group/option; whitelisted only unless `withSensitive`. */
  function stored(domainId: string, group?: string, option?: string, withSensitive = false): Promise<DomainConfigRow[]> {
    let q = db.selectFrom('domain_configs').selectAll().where('domain_id', '=', domainId)
    if (group !== undefined) q = q.where('group_name', '=', group)
    if (option !== undefined) q = q.where('option_name', '=', option)
    if (!withSensitive) q = q.where('sensitive', '=', 0)
    return q.orderBy('group_name').orderBy('option_name').execute()
  }

  async function shown(domainId: string, group?: string, option?: string): Promise<Record<string, unknown>> {
    const rows = await stored(domainId, group, option)
    if (rows.length === 0) throw notFound(domainId, group, option)
    return toConfig(rows, option)
  }

  /** Keystone reads only the regex settings, and only for the default domain; policy lets anyone read them. */
  async function securityCompliance(req: IdentityRequest): Promise<Record<string, unknown>> {
    const { domain_id: domainId, option } = req.params
    enforce(deps, req, 'identity:get_security_compliance_domain_config', { ...req.params })
    if (domainId !== 'default') {
      throw invalid('Reading security compliance information for any domain other than the default domain is not allowed or supported')
    }
    if (option !== undefined && !has(READABLE_COMPLIANCE, option)) {
      throw invalid('Reading security compliance values other than password_regex and password_regex_description is not allowed')
    }
    await getDomain(db, domainId)
    return option === undefined ? { [SECURITY_COMPLIANCE]: READABLE_COMPLIANCE } : { [option]: READABLE_COMPLIANCE[option] }
  }

  async function get(req: IdentityRequest) {
    const { domain_id: domainId, group, option } = req.params
    if (group === SECURITY_COMPLIANCE) return { status: 200, body: { config: await securityCompliance(req) } }
    enforce(deps, req, 'identity:get_domain_config', { ...req.params })
    checkGroupAndOption(group, option)
    await getDomain(db, domainId)
    return { status: 200, body: { config: await shown(domainId, group, option) } }
  }

  /** Merges options into the config; a group or option in the path must be the only one given, and must exist. */
  async function patch(req: IdentityRequest) {
    const { domain_id: domainId, group, option } = req.params
    enforce(deps, req, 'identity:update_domain_config', { ...req.params })
    await getDomain(db, domainId)
    const body = (req.body as { config?: unknown } | undefined)?.config
    const config = checkConfig(group !== undefined && option !== undefined ? { [group]: body } : body)
    checkGroupAndOption(group, option)
    if (group !== undefined) {
      const groups = Object.keys(config)
      if (groups.length !== 1 || (option !== undefined && Object.keys(config[groups[0]]).length !== 1)) {
        throw invalid(option !== undefined
          ? `Trying to update option ${option} in group ${group}, so that, and only that, option must be specified  in the config`
          : `Trying to update group ${group}, so that, and only that, group must be specified in the config`)
      }
      if (!has(config, group)) {
        throw invalid(`request to update group ${group}, but config provided contains group ${groups[0]} instead`)
      }
      if (option !== undefined && !has(config[group], option)) {
        throw invalid(`Trying to update option ${option} in group ${group}, but config provided contains option `
          + `${Object.keys(config[group])[0]} instead`)
      }
      if ((await stored(domainId, group, option, true)).length === 0) throw notFound(domainId, group, option)
    }
    await db.transaction().execute(async (trx) => {
      for (const row of toRows(domainId, config)) {
        await trx.deleteFrom('domain_configs').where('domain_id', '=', domainId)
          .where('group_name', '=', row.group_name).where('option_name', '=', row.option_name).execute()
        await trx.insertInto('domain_configs').values(row).execute()
      }
    })
    return { status: 200, body: { config: await shown(domainId) } }
  }

  async function remove(req: IdentityRequest) {
    const { domain_id: domainId, group, option } = req.params
    enforce(deps, req, 'identity:delete_domain_config', { ...req.params })
    await getDomain(db, domainId)
    checkGroupAndOption(group, option)
    if (group !== undefined && (await stored(domainId, group, option, true)).length === 0) throw notFound(domainId, group, option)
    let q = db.deleteFrom('domain_configs').where('domain_id', '=', domainId)
    if (group !== undefined) q = q.where('group_name', '=', group)
    if (option !== undefined) q = q.where('option_name', '=', option)
    await q.execute()
    deps.log.info('deleted domain configuration', { domain_id: domainId, group, option })
    return { status: 204 }
  }

  const paths = ['/v3/domains/:domain_id/config', '/v3/domains/:domain_id/config/:group', '/v3/domains/:domain_id/config/:group/:option']
  const showDefaults = (req: IdentityRequest) => {
    enforce(deps, req, 'identity:get_domain_config_default', { ...req.params })
    return { status: 200, body: { config: defaults(req.params.group, req.params.option) } }
  }

  return [
    // Creates the domain's config, replacing any it had: 201 when new, 200 when replaced.
    route('PUT', '/v3/domains/:domain_id/config', async (req: IdentityRequest) => {
      const domainId = req.params.domain_id
      enforce(deps, req, 'identity:create_domain_config', { ...req.params })
      await getDomain(db, domainId)
      const config = checkConfig((req.body as { config?: unknown } | undefined)?.config)
      const existed = (await stored(domainId, undefined, undefined, true)).length > 0
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('domain_configs').where('domain_id', '=', domainId).execute()
        await trx.insertInto('domain_configs').values(toRows(domainId, config)).execute()
      })
      deps.log.info('stored domain configuration', { domain_id: domainId, groups: Object.keys(config) })
      return { status: existed ? 200 : 201, body: { config: toConfig(await stored(domainId)) } }
    }),
    ...paths.flatMap((p) => [route('GET', p, get), route('PATCH', p, patch), route('DELETE', p, remove)]),
    route('GET', '/v3/domains/config/default', showDefaults),
    route('GET', '/v3/domains/config/:group/default', showDefaults),
    route('GET', '/v3/domains/config/:group/:option/default', showDefaults),
  ]
}
