/**
 * @module OpenStack config drives: an ISO9660 image labelled `config-2` with
 * openstack/latest/{meta_data.json,network_data.json,vendor_data.json,user_data}, made with
 * genisoimage and the flags Nova uses, so any cloud-init/CirrOS-style guest (and nubis-tiny) reads it.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { findCommand } from '../../common/host/run-command.ts'
import { MissingHostPackages } from './build-packages.ts'
import { runStep } from './host-step.ts'

export type ConfigDriveContent = {
  hostname: string
  uuid: string
  /** Instance name in meta_data.json; defaults to the hostname. */
  name?: string
  /** openstack/latest/user_data; left out when undefined (nubis-tiny runs it when it starts with `#!`). */
  userData?: string | Buffer
  /** openstack/latest/network_data.json; defaults to no links, networks or services. */
  networkData?: Record<string, unknown>
  /** An OpenSSH public key line, published as the key pair "default". */
  sshKey?: string
  /** Top-level meta_data.json keys added to, or replacing, the defaults (e.g. `meta`, `project_id`). */
  metaData?: Record<string, unknown>
}

/** The drive's files by path, as Nova lays them out for the "latest" metadata version. */
export function configDriveFiles(c: ConfigDriveContent): Map<string, Buffer> {
  const keys = c.sshKey ? { public_keys: { default: c.sshKey }, keys: [{ name: 'default', type: 'ssh', data: c.sshKey }] } : {}
  const metaData = {
    uuid: c.uuid,
    name: c.name ?? c.hostname,
    hostname: c.hostname,
    launch_index: 0,
    availability_zone: 'nova',
    meta: {},
    devices: [],
    random_seed: randomBytes(512).toString('base64'),
    ...keys,
    ...c.metaData,
  }
  const json = (value: unknown) => Buffer.from(`${JSON.stringify(value)}\n`)
  const files = new Map<string, Buffer>([
    ['openstack/latest/meta_data.json', json(metaData)],
    ['openstack/latest/network_data.json', json(c.networkData ?? { links: [], networks: [], services: [] })],
    ['openstack/latest/vendor_data.json', json({})],
  ])
  if (c.userData !== undefined) files.set('openstack/latest/user_data', Buffer.from(c.userData))
  return files
}

/**
 * Writes the config drive ISO to `path` (replacing it; a failed run leaves no partial file).
 * Throws MissingHostPackages when genisoimage is not installed.
 */
export async function writeConfigDrive(path: string, content: ConfigDriveContent): Promise<void> {
  if (!(await findCommand('genisoimage'))) {
    throw new MissingHostPackages(['genisoimage'], 'apt-get install -y --no-install-recommends genisoimage', 'needed for config drives')
  }
  const tree = await mkdtemp(join(tmpdir(), 'nubis-config-drive-'))
  const partial = `${path}.partial-${process.pid}`
  try {
    for (const [file, data] of configDriveFiles(content)) {
      await mkdir(dirname(join(tree, file)), { recursive: true })
      await writeFile(join(tree, file), data)
    }
    await runStep('config drive', 'genisoimage', [
      '-o', partial, '-ldots', '-allow-lowercase', '-allow-multidot', '-l', '-publisher', 'Nubis Compute',
      '-quiet', '-J', '-r', '-V', 'config-2', tree,
    ])
    await rename(partial, path)
  } finally {
    await rm(tree, { recursive: true, force: true })
    await rm(partial, { force: true })
  }
}
