// The adapter start, as the host recorded it (IOCTL_MH_GET_ADAPTER when it started, the service
// key when it did not): the Miracast interface, exactly one Miracast child, its HPD awareness; and
// CreateContext's TargetId against that child.
import { ntStatusName } from '../../../ntstatus';
import { outcome, statusOf, type AdapterStart, type KmdCheck } from '../check-context';
import { describeStartFailure } from '../start-record';
import { reportViolations } from '../violations';

/** DXGK_CHILD_DEVICE_HPD_AWARENESS's HpdAwarenessInterruptible. */
const hpdAwarenessInterruptible = 4;

/** Findings for a start the host failed with one of `violations`; true when the adapter did not start. */
function failedStart(c: KmdCheck, start: AdapterStart, violations: readonly string[], what: string): start is Extract<AdapterStart, { started: false }> {
  if (start.started) return false;
  c.evidence(`the adapter start failed: ${describeStartFailure(start.record)}`);
  if (start.record.violation !== undefined && violations.includes(start.record.violation)) {
    c.finding(`${what}: the host refused the adapter start (${describeStartFailure(start.record)})`);
  } else {
    c.evidence('the start failed for another rule\'s reason: this one could not be judged beyond it');
  }
  return true;
}

/** DxgkDdiQueryInterface returned the Miracast interface: Size >= 64, Version 1 (the four DDIs: else no start). */
export async function checkStartInterface(c: KmdCheck): Promise<void> {
  const start = await c.adapterStart();
  if (!start.started) {
    c.evidence(`the adapter start failed: ${describeStartFailure(start.record)}`);
    if (start.record.failedStep === 'QUERY_MIRACAST_INTERFACE') {
      c.finding(`DxgkDdiQueryInterface(GUID_DEVINTERFACE_MIRACAST_DISPLAY) did not return a usable interface: ${describeStartFailure(start.record)}`);
    }
    return;
  }
  const { miracastInterfaceSize: size, miracastInterfaceVersion: version } = start.adapter;
  c.evidence(`the Miracast interface: Size ${size}, Version ${version}`);
  if (size < 64 || version !== 1) c.finding(`the Miracast interface came back with Size ${size}, Version ${version}: Size >= 64 and Version 1 are required`);
}

/** Exactly one child of type D3DKMDT_VOT_MIRACAST. */
export async function checkOneMiracastChild(c: KmdCheck): Promise<void> {
  const start = await c.adapterStart();
  if (failedStart(c, start, ['TWO_MIRACAST', 'NO_MIRACAST'], 'DxgkDdiQueryChildRelations did not report exactly one Miracast child')) return;
  c.evidence(`${start.adapter.children} child(ren); the Miracast child is ${start.adapter.miracastChildUid}`);
}

/** The Miracast child is HpdAwarenessInterruptible and disconnected until a session starts. */
export async function checkHpdInterruptible(c: KmdCheck): Promise<void> {
  const start = await c.adapterStart();
  if (failedStart(c, start, ['HPD_NOT_INTERRUPTIBLE', 'CONNECTED_AT_START'],
    'the Miracast child is not HpdAwarenessInterruptible, or reported connected before any session')) return;
  const { miracastHpdAwareness: awareness, connected } = start.adapter;
  c.evidence(`the Miracast child's HPD awareness ${awareness}; connected now: ${connected}`);
  if (awareness !== hpdAwarenessInterruptible) c.finding(`the Miracast child's HPD awareness is ${awareness}, not HpdAwarenessInterruptible (4)`);
  if (connected) c.finding('the Miracast child is connected with no session (before this check created any context)');
}

/** CreateContext's TargetId is the Miracast child (the host fails CreateContext otherwise, and destroys it). */
export async function checkTargetIsChild(c: KmdCheck): Promise<void> {
  const start = await c.adapterStart();
  if (!start.started) c.notApplicable(`the adapter did not start (${describeStartFailure(start.record)})`);
  const child = start.adapter.miracastChildUid;
  const created = await outcome(c.device.createContext());
  if (created.ok) {
    c.evidence(`CreateContext returned TargetId ${created.value.targetId}; the Miracast child is ${child}`);
    await created.value.destroy();
    if (created.value.targetId !== child) c.finding(`CreateContext returned TargetId ${created.value.targetId}, not the Miracast child ${child}`);
  } else {
    const status = statusOf(created.error);
    if (status === undefined) throw created.error;
    c.evidence(`CreateContext failed with ${ntStatusName(status)}`);
  }
  const found = await reportViolations(c, ['TARGET_NOT_CHILD'],
    (e) => `CreateContext returned TargetId ${e.arg0}, which is not the Miracast child ${e.arg1} of DxgkDdiQueryChildRelations: ` +
      'the host failed it with STATUS_INVALID_PARAMETER and called DestroyContext');
  if (!created.ok && found === 0) throw created.error;
}
