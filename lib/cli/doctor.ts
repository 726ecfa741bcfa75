// `miracast-hil doctor`: can this machine run the harness, and can it exercise a vendor's
// Miracast stack? Each check says ok, warn, fail or unknown (the platform cannot say: Wine has
// no dxgkrnl, no code integrity, no display adapters), with what to do when it is not ok.
import { addonPath, native, type NativeSystemInfo, type UnknownFact } from '../binding';
import { openDevice } from '../device';
import { ExitCode, parseCommandArgs, writeJson, writeLine, type CliCommand, type CliIo } from './command';
import { queryService, type ServiceStatus } from './service';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'unknown';

export interface DoctorCheck {
  id: 'platform' | 'addon' | 'service' | 'device' | 'contract' | 'elevated' | 'testSigning' | 'adapters' | 'graphicsDrivers';
  status: CheckStatus;
  detail: string;
  hint?: string;
  value?: unknown;
}

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

const isUnknown = (fact: unknown): fact is UnknownFact =>
  typeof fact === 'object' && fact !== null && (fact as UnknownFact).value === null && typeof (fact as UnknownFact).reason === 'string';

function machineChecks(info: NativeSystemInfo): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const wine = info.wine !== null;
  const underWine = (what: string) => `unknown under Wine: ${what}`;

  if (isUnknown(info.elevated)) {
    checks.push({ id: 'elevated', status: 'unknown', detail: info.elevated.reason });
  } else {
    checks.push({
      id: 'elevated', status: info.elevated.value ? 'ok' : 'warn', value: info.elevated.value,
      detail: info.elevated.value ? 'this process is elevated' : 'this process is not elevated',
      ...(info.elevated.value ? {} : { hint: 'driver install/start/stop and opening the device need an elevated prompt (Run as administrator)' }),
    });
  }

  if (wine) {
    checks.push({ id: 'testSigning', status: 'unknown', detail: underWine('Wine loads drivers without checking signatures') });
  } else if (isUnknown(info.testSigning)) {
    checks.push({ id: 'testSigning', status: 'unknown', detail: info.testSigning.reason });
  } else {
    const on = info.testSigning.value;
    checks.push({
      id: 'testSigning', status: on ? 'ok' : 'warn', value: on,
      detail: on ? 'test signing is on' : 'test signing is off: a test-signed harness driver will not load',
      ...(on ? {} : { hint: 'bcdedit /set testsigning on (elevated; Secure Boot off), then reboot; see docs/install.md' }),
    });
  }

  if (isUnknown(info.adapters)) {
    checks.push({ id: 'adapters', status: 'unknown', detail: wine ? underWine(info.adapters.reason) : `not available: ${info.adapters.reason}` });
  } else {
    const adapters = info.adapters.value;
    const ihv = adapters.filter((a) => a.miracast === 'ihv');
    checks.push({
      id: 'adapters', status: ihv.length > 0 ? 'ok' : 'warn', value: adapters,
      detail: adapters.length === 0 ? 'no display adapter' :
        adapters.map((a) => `${a.luid}: ${a.miracast === null ? `unknown (${a.reason})` : a.miracast}`).join('; '),
      ...(ihv.length > 0 ? {} : {
        hint: 'no adapter uses an IHV Miracast stack: this machine cannot exercise a vendor\'s stack through dxgkrnl (the harness driver still runs)',
      }),
    });
  }

  const gates = info.graphicsDrivers;
  const shown = Object.entries(gates).map(([name, v]) => `${name}=${v === null ? 'absent' : isUnknown(v) ? 'unreadable' : v}`).join(', ');
  if (wine) {
    checks.push({ id: 'graphicsDrivers', status: 'unknown', value: gates, detail: underWine(`there is no dxgkrnl to read them (${shown})`) });
  } else {
    const problems: string[] = [];
    if (gates.PlatformSupportMiracast === null || gates.PlatformSupportMiracast === 0) problems.push('PlatformSupportMiracast is 0 or absent: dxgkrnl does not query the Miracast interface');
    if (gates.MiracastForceDisable === 1) problems.push('MiracastForceDisable=1: Miracast is disabled');
    if (gates.MiracastUseIhvDriver === 0) problems.push('MiracastUseIhvDriver=0: the Microsoft stack is forced');
    checks.push({
      id: 'graphicsDrivers', status: problems.length > 0 ? 'warn' : 'ok', value: gates, detail: shown,
      ...(problems.length > 0 ? { hint: `${problems.join('; ')} (HKLM\\SYSTEM\\CurrentControlSet\\Control\\GraphicsDrivers)` } : {}),
    });
  }
  return checks;
}

/** Runs every check; never throws. */
export async function runDoctor(): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  let info: NativeSystemInfo | undefined;
  let addon: ReturnType<typeof native> | undefined;
  try {
    addon = native();
    info = addon.systemInfo();
    checks.push({ id: 'addon', status: 'ok', detail: addonPath() ?? 'loaded' });
  } catch (error) {
    checks.push({ id: 'addon', status: 'fail', detail: (error as Error).message });
  }
  checks.unshift({
    id: 'platform', status: 'ok',
    detail: `${process.platform}-${process.arch}, Node ${process.version}${info?.wine ? `, Wine ${info.wine}` : ''}`,
    value: { platform: process.platform, arch: process.arch, node: process.version, wine: info?.wine ?? null },
  });
  if (addon === undefined || info === undefined) return { ok: false, checks };

  const service = addon.constants.serviceName;
  let status: ServiceStatus | undefined;
  try {
    status = await queryService(service);
    const running = status.state === 'running';
    checks.push({
      id: 'service', status: running ? 'ok' : 'fail', value: status,
      detail: `${service}: ${status.state.replace('_', ' ')}${status.binaryPath ? ` (${status.binaryPath})` : ''}`,
      ...(running ? {} : { hint: status.state === 'not_installed' ? 'miracast-hil driver install (elevated)' : 'miracast-hil driver start (elevated)' }),
    });
  } catch (error) {
    checks.push({ id: 'service', status: 'unknown', detail: (error as Error).message });
  }

  try {
    const device = await openDevice();
    try {
      const driver = await device.info();
      checks.push({ id: 'device', status: 'ok', detail: `${device.path} opens` });
      const same = driver.contractVersion >>> 16 === addon.constants.contractVersion >>> 16;
      const v = (n: number) => `${n >>> 16}.${n & 0xffff}`;
      checks.push({
        id: 'contract', status: same ? 'ok' : 'fail', value: { driver: driver.contractVersion, library: addon.constants.contractVersion },
        detail: `driver ${v(driver.contractVersion)}, library ${v(addon.constants.contractVersion)}`,
      });
    } finally {
      await device.close();
    }
  } catch (error) {
    const e = error as Error & { hint?: string };
    checks.push({ id: 'device', status: 'fail', detail: e.message, ...(e.hint ? { hint: e.hint } : {}) });
    checks.push({ id: 'contract', status: 'unknown', detail: 'the device did not open' });
  }

  checks.push(...machineChecks(info));
  return { ok: !checks.some((c) => c.status === 'fail'), checks };
}

const label: Record<CheckStatus, string> = { ok: 'ok', warn: 'warn', fail: 'FAIL', unknown: '?' };

export const doctor: CliCommand = {
  name: 'doctor',
  summary: 'check the driver, the addon and this machine (test signing, elevation, Miracast stacks)',
  usage: `usage: miracast-hil doctor [--json]

Checks, each ok / warn / FAIL / ? (unknown: the platform cannot say, e.g. under Wine):
  platform         OS, architecture, Node, Wine
  addon            the native addon loads (and from where)
  service          the MiracastHil kernel service is installed and running
  device           the control device opens
  contract         the driver's contract version matches this library's
  elevated         this process is elevated
  testSigning      test signing is on (a test-signed driver loads only then)
  adapters         each display adapter's Miracast stack (D3DKMTQueryAdapterInfo,
                   KMTQAITYPE_QUERY_MIRACAST_DRIVER_TYPE): ihv, microsoft or none
  graphicsDrivers  the GraphicsDrivers registry gates PlatformSupportMiracast,
                   MiracastUseIhvDriver, MiracastForceDisable

Exit code: 0 nothing failed (warnings allowed), 1 a check failed, 2 could not run.`,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(args, {});
    const report = await runDoctor();
    if (values.json) {
      writeJson(io, report);
    } else {
      for (const check of report.checks) {
        writeLine(io, `${label[check.status].padEnd(5)} ${check.id.padEnd(16)} ${check.detail}`);
        if (check.hint) writeLine(io, `${' '.repeat(23)}-> ${check.hint}`);
      }
    }
    return report.ok ? ExitCode.OK : ExitCode.FAILED;
  },
};
