/**
 * @module Finds out whether KVM can really run a guest here, by starting one for a few seconds.
 * /dev/kvm existing is not enough: a PVM host has it, yet ordinary guests fail.
 */
import { constants, existsSync } from 'node:fs'
import { access } from 'node:fs/promises'
import { findCommand, runCommand, type RunResult } from './run-command.ts'

export type KvmProbe = { usable: boolean; detail: string }

export type KvmFacts = {
  devicePresent: boolean
  deviceAccessible: boolean
  /** The host's KVM is PVM, which only runs guest kernels built for it. */
  pvm: boolean
  qemuInstalled: boolean
  /** Outcome of running a KVM guest until the timeout; absent when it was not tried. */
  run?: RunResult
}

const fallback = 'the qemu driver will use TCG'
const runForMs = 4000

/** Pure: turns what was observed into a verdict and a one-line explanation. */
export function kvmVerdict(f: KvmFacts): KvmProbe {
  const unusable = (reason: string): KvmProbe => ({
    usable: false,
    detail: `KVM present but unusable: ${reason}${f.pvm ? ' (this host runs PVM, which only boots PVM guest kernels)' : ''}; ${fallback}`,
  })
  if (!f.devicePresent) return { usable: false, detail: `no /dev/kvm (no hardware virtualization); ${fallback}` }
  if (!f.deviceAccessible) return unusable('/dev/kvm is not readable and writable by this user')
  if (!f.qemuInstalled || !f.run) return { usable: false, detail: `/dev/kvm present but not tested: qemu-system-x86_64 is not installed` }
  const lines = `${f.run.stderr}\n${f.run.stdout}`.split('\n').map((l) => l.trim()).filter(Boolean)
  const failure = lines.find((l) => /internal error|emulation failure|error|assert|abort|fail/i.test(l) && !/warning:/i.test(l))
  if (!f.run.timedOut) {
    const reason = failure ?? lines.at(-1) ?? `qemu exited with code ${f.run.code}`
    return unusable(`a KVM guest did not start: ${reason.replace(/^qemu-system-x86_64: /, '')}`)
  }
  if (failure) return unusable(`the KVM guest failed: ${failure.replace(/^qemu-system-x86_64: /, '')}`)
  return { usable: true, detail: `KVM works (a guest ran for ${runForMs / 1000} s with -cpu host)` }
}

/** Starts a firmware-only KVM guest for a few seconds; on success the guest is simply killed. */
export async function probeKvm(): Promise<KvmProbe> {
  const devicePresent = existsSync('/dev/kvm')
  const deviceAccessible = devicePresent && (await access('/dev/kvm', constants.R_OK | constants.W_OK).then(() => true, () => false))
  const pvm = existsSync('/sys/module/kvm_pvm')
  const qemu = await findCommand('qemu-system-x86_64')
  const facts: KvmFacts = { devicePresent, deviceAccessible, pvm, qemuInstalled: qemu !== undefined }
  if (qemu && deviceAccessible) {
    facts.run = await runCommand(qemu, [
      '-accel', 'kvm', '-machine', 'pc', '-cpu', 'host', '-m', '64', '-smp', '1',
      '-nodefaults', '-no-user-config', '-display', 'none', '-serial', 'none', '-monitor', 'none', '-no-reboot',
    ], { timeoutMs: runForMs })
  }
  return kvmVerdict(facts)
}
