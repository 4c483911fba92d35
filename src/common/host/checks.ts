/**
 * @module What the real drivers need from the host, as data: one entry per tool or kernel feature,
 * with the Debian package that provides it. Every check that creates something removes it again.
 */
import { probeKvm } from './kvm-probe.ts'
import { findCommand, runCommand } from './run-command.ts'
import { HostProbeError, ip, withThrowawayNetns } from './throwaway-netns.ts'

export type CheckOutcome = {
  ok: boolean
  detail: string
  /** What to do instead of installing `package` (e.g. the kernel lacks a feature). */
  fix?: string
}

export type HostCheck = {
  id: string
  title: string
  /** The part of the cloud that needs it, e.g. 'compute (qemu driver)'. */
  requiredBy: string
  /** Debian package that provides it. */
  package: string
  /** A failure is a warning: the cloud works without it, with less. */
  optional?: boolean
  /** Creates kernel objects, so it only runs as root. */
  needsRoot?: boolean
  check(): Promise<CheckOutcome>
}

const compute = 'compute (qemu driver)'
const linuxbridge = 'network (linuxbridge agent)'

/** First non-empty output line of `cmd versionArgs`, or the reason the command is missing. */
async function version(cmd: string, args: string[]): Promise<CheckOutcome & { path?: string }> {
  const path = await findCommand(cmd)
  if (!path) return { ok: false, detail: `${cmd} not found` }
  const r = await runCommand(path, args, { timeoutMs: 5000 }).catch((err: Error) => ({ stdout: '', stderr: err.message, timedOut: false }))
  const line = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).find(Boolean)
  return { ok: true, path, detail: r.timedOut ? `${path} (version check timed out)` : `${path}: ${line ?? 'version unknown'}` }
}

function tool(id: string, title: string, requiredBy: string, pkg: string, cmd: string, args: string[]): HostCheck {
  return { id, title, requiredBy, package: pkg, check: () => version(cmd, args) }
}

/** Tries to create kernel objects inside a throwaway namespace; kernel refusals get `fix`. */
function kernelFeature(c: Omit<HostCheck, 'check' | 'needsRoot' | 'package'> & {
  fix: string
  create: (ns: string) => Promise<string>
}): HostCheck {
  return {
    id: c.id, title: c.title, requiredBy: c.requiredBy, optional: c.optional, package: 'iproute2', needsRoot: true,
    async check() {
      try {
        return { ok: true, detail: await withThrowawayNetns(c.create) }
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err)
        const notInstalled = message.includes('not found')
        return { ok: false, detail: message, fix: notInstalled ? undefined : c.fix }
      }
    },
  }
}

export const hostChecks: HostCheck[] = [
  tool('qemu', 'qemu-system-x86_64', compute, 'qemu-system-x86', 'qemu-system-x86_64', ['--version']),
  tool('qemu-img', 'qemu-img (qemu-utils)', `${compute}, block storage (file driver)`, 'qemu-utils', 'qemu-img', ['--version']),
  {
    id: 'kvm', title: 'KVM acceleration', requiredBy: compute, package: 'qemu-system-x86', optional: true,
    async check() {
      const kvm = await probeKvm()
      return { ok: kvm.usable, detail: kvm.detail }
    },
  },
  {
    id: 'tcg', title: 'TCG acceleration', requiredBy: compute, package: 'qemu-system-x86',
    async check() {
      const qemu = await findCommand('qemu-system-x86_64')
      if (!qemu) return { ok: false, detail: 'qemu-system-x86_64 not found' }
      // Starts an empty TCG machine, paused, and quits it over QMP: proves QEMU and TCG start.
      const r = await runCommand(qemu, [
        '-accel', 'tcg', '-machine', 'none', '-nodefaults', '-no-user-config', '-display', 'none', '-S', '-qmp', 'stdio',
      ], { timeoutMs: 5000, input: '{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n' })
      if (r.code === 0 && !r.timedOut) return { ok: true, detail: 'an empty TCG machine started and quit' }
      const reason = r.timedOut ? 'timed out' : r.stderr.trim().split('\n')[0] || `exit code ${r.code}`
      return { ok: false, detail: `QEMU could not start a TCG machine: ${reason}`, fix: 'reinstall qemu-system-x86' }
    },
  },
  tool('dnsmasq', 'dnsmasq', 'network (dhcp agent)', 'dnsmasq-base', 'dnsmasq', ['--version']),
  {
    id: 'iptables', title: 'iptables', requiredBy: `${linuxbridge}, network (l3 agent)`, package: 'iptables',
    async check() {
      const v = await version('iptables', ['-V'])
      if (!v.ok) return v
      const backend = /\((nf_tables|legacy)\)/.exec(v.detail)?.[1]
      return { ok: true, detail: backend ? `${v.detail.replace(/ \((nf_tables|legacy)\)/, '')}, ${backend} backend` : v.detail }
    },
  },
  tool('ip6tables', 'ip6tables', linuxbridge, 'iptables', 'ip6tables', ['-V']),
  tool('ipset', 'ipset (security groups)', linuxbridge, 'ipset', 'ipset', ['--version']),
  tool('ebtables', 'ebtables (anti-spoofing)', linuxbridge, 'ebtables', 'ebtables', ['-V']),
  tool('haproxy', 'haproxy', 'load balancer, network (metadata proxy)', 'haproxy', 'haproxy', ['-v']),
  tool('conntrack', 'conntrack', `${linuxbridge}, network (l3 agent)`, 'conntrack', 'conntrack', ['--version']),
  tool('genisoimage', 'genisoimage', 'compute (config drives)', 'genisoimage', 'genisoimage', ['--version']),
  tool('ip', 'ip (iproute2)', 'network (all agents)', 'iproute2', 'ip', ['-V']),
  kernelFeature({
    id: 'netns', title: 'network namespaces', requiredBy: 'network (dhcp and l3 agents)',
    fix: 'needs a kernel with CONFIG_NET_NS and a writable /run/netns',
    create: async (ns) => {
      await ip(['-n', ns, 'link', 'set', 'lo', 'up'])
      return `created and removed namespace ${ns}`
    },
  }),
  kernelFeature({
    id: 'bridge', title: 'Linux bridge', requiredBy: linuxbridge, fix: 'needs a kernel with CONFIG_BRIDGE',
    create: async (ns) => {
      await ip(['-n', ns, 'link', 'add', 'br-test', 'type', 'bridge'])
      await ip(['-n', ns, 'link', 'set', 'br-test', 'up'])
      return 'created a bridge in a throwaway namespace'
    },
  }),
  kernelFeature({
    id: 'vxlan', title: 'VXLAN (tenant networks)', requiredBy: linuxbridge, fix: 'needs a kernel with CONFIG_VXLAN',
    create: async (ns) => {
      await ip(['-n', ns, 'link', 'add', 'vx-test', 'type', 'vxlan', 'id', '4242', 'dstport', '4789'])
      return 'created a VXLAN device in a throwaway namespace'
    },
  }),
  kernelFeature({
    id: 'vlan', title: '802.1Q VLAN devices', requiredBy: 'network (vlan provider networks)', optional: true,
    fix: 'VLAN provider networks need 8021q; use vxlan or flat networks on this host',
    create: async (ns) => {
      await ip(['-n', ns, 'link', 'add', 'vt0', 'type', 'veth', 'peer', 'name', 'vt1'])
      try {
        await ip(['-n', ns, 'link', 'add', 'link', 'vt0', 'name', 'vt0.100', 'type', 'vlan', 'id', '100'])
      } catch (err) {
        throw new HostProbeError(`cannot create a VLAN device: ${(err as Error).message} (no 8021q in this kernel)`)
      }
      return 'created a VLAN device in a throwaway namespace'
    },
  }),
]
