// The adapter start's record under the driver's service key. When a miniport's children break the
// Miracast rules the host fails the adapter start (as the OS does) and the control device never
// appears; the host writes where the start stopped (AdapterStartStep, AdapterStartStatus) and the
// violation that stopped it (AdapterStartViolation) under the service key, where they outlive the
// image. Read with reg.exe: Windows has it, and so has the Wine lane's Windows Node.
import { execFile } from 'node:child_process';
import type { NativeConstants } from '../../binding';
import { contract } from '../../contract';
import { ntStatusName } from '../../ntstatus';

export interface StartRecord {
  /** MH_ADAPTER_STEPS' name of the step that failed ('QUERY_CHILD_RELATIONS'); undefined: it started. */
  failedStep?: string;
  status: number;
  /** MH_VIOLATION_KINDS' name of the violation that failed it, if one did. */
  violation?: string;
}

function regQuery(key: string, name: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('reg.exe', ['query', key, '/v', name], { windowsHide: true, timeout: 30_000 }, (_error, stdout) => resolve(String(stdout)));
  });
}

async function readDword(key: string, name: string): Promise<number | undefined> {
  const match = /REG_DWORD\s+0x([0-9a-f]+)/i.exec(await regQuery(key, name));
  return match ? parseInt(match[1], 16) : undefined;
}

/** The last adapter start's record, or undefined when the service key has none (never started here). */
export async function readStartRecord(constants: NativeConstants): Promise<StartRecord | undefined> {
  const key = `HKLM\\SYSTEM\\CurrentControlSet\\Services\\${constants.serviceName}`;
  const step = await readDword(key, 'AdapterStartStep');
  if (step === undefined) return undefined;
  const status = (await readDword(key, 'AdapterStartStatus')) ?? 0;
  const violation = (await readDword(key, 'AdapterStartViolation')) ?? 0;
  const name = (table: Record<string, number>, value: number) => Object.entries(table).find(([, v]) => v === value)?.[0] ?? `#${value}`;
  return {
    failedStep: step === 0 ? undefined : name(constants.adapterSteps, step),
    status: status | 0,
    violation: violation === 0 ? undefined : name(constants.violationKinds, violation),
  };
}

/** "QUERY_CHILD_RELATIONS failed with STATUS_INVALID_PARAMETER: TWO_MIRACAST (...)". */
export function describeStartFailure(record: StartRecord): string {
  return `${record.failedStep ?? 'no step'} failed with ${ntStatusName(record.status >>> 0)}` +
    (record.violation ? `: ${record.violation} (${contract.violationDescriptions[record.violation] ?? 'unknown'})` : '');
}
