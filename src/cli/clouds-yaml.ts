import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'

export type CloudAccount = { user: string; project: string; password?: string }

/** Writes clouds.yaml (mode 0600) with the admin cloud `nubis` and the member cloud `nubis-demo`. */
export function writeCloudsYaml(dataDir: string, authUrl: string, region: string, admin: CloudAccount, demo: CloudAccount): string {
  const cloud = (a: CloudAccount) => ({
    auth: {
      auth_url: authUrl, username: a.user, password: a.password, project_name: a.project,
      user_domain_name: 'Default', project_domain_name: 'Default',
    },
    region_name: region,
    interface: 'public',
    identity_api_version: 3,
  })
  const path = join(dataDir, 'clouds.yaml')
  writeFileSync(path, stringify({ clouds: { nubis: cloud(admin), 'nubis-demo': cloud(demo) } }), { mode: 0o600 })
  return path
}
