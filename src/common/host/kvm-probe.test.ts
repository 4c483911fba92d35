import assert from 'node:assert/strict'
import { test } from 'node:test'
import { kvmVerdict, probeKvm, type KvmFacts } from './kvm-probe.ts'

const host: KvmFacts = { devicePresent: true, deviceAccessible: true, pvm: false, qemuInstalled: true }
const run = (o: { timedOut: boolean; stderr?: string; code?: number | null }) =>
  ({ code: o.code ?? null, stdout: '', stderr: o.stderr ?? '', timedOut: o.timedOut })

test('a guest still running at the deadline means KVM works', () => {
  const v = kvmVerdict({ ...host, run: run({ timedOut: true, stderr: 'qemu-system-x86_64: warning: host doesn\'t support requested feature: CPUID.01H:ECX.pni [bit 0]\n' }) })
  assert.equal(v.usable, true)
})

test('PVM: qemu aborts at once with -cpu host (measured on the dev host)', () => {
  const stderr = 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\n' +
    "qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3093: kvm_buf_set_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs' failed.\n"
  const v = kvmVerdict({ ...host, pvm: true, run: run({ timedOut: false, stderr }) })
  assert.equal(v.usable, false)
  assert.equal(v.detail, 'KVM present but unusable: a KVM guest did not start: error: failed to set MSR 0x10a to 0x69 ' +
    '(this host runs PVM, which only boots PVM guest kernels); the qemu driver will use TCG')
})

test('an emulation failure while running is unusable, even though qemu stays up', () => {
  const v = kvmVerdict({ ...host, run: run({ timedOut: true, stderr: 'KVM internal error. Suberror: 1\nemulation failure\n' }) })
  assert.match(v.detail, /^KVM present but unusable: the KVM guest failed: KVM internal error\. Suberror: 1; the qemu driver will use TCG$/)
})

test('no device, no access, or no qemu to try with', () => {
  assert.match(kvmVerdict({ ...host, devicePresent: false }).detail, /^no \/dev\/kvm .*will use TCG$/)
  assert.match(kvmVerdict({ ...host, deviceAccessible: false }).detail, /not readable and writable/)
  assert.match(kvmVerdict({ ...host, qemuInstalled: false }).detail, /not tested: qemu-system-x86_64 is not installed/)
  assert.match(kvmVerdict({ ...host, run: run({ timedOut: false, code: 1 }) }).detail, /did not start: qemu exited with code 1/)
})

test('probeKvm on this host gives a verdict within seconds', { timeout: 15_000 }, async () => {
  const v = await probeKvm()
  assert.equal(typeof v.usable, 'boolean')
  assert.ok(v.detail.length > 0)
})
