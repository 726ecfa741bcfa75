// The demo (npm run demo): a tour of miracast-hil against the real driver. It plays both sides of
// a Miracast session - the OS driving the miniport's DDIs, and the user-mode Miracast driver
// answering the miniport's messages - then injects faults, reads the DDI trace, and checks that
// nothing leaked. Exits non-zero if anything did not behave as the contract says.
import { fileURLToPath } from 'node:url';
import { openDevice, openUmdHost, mergeTimeline, NtStatus, ntStatusName, isIdle } from '../dist/index.mjs';

const umdDll = (name) => fileURLToPath(new URL(`../build/umd/mh_umd_${name}.dll`, import.meta.url));

let failures = 0;
const step = (title) => console.log(`\n== ${title}`);
const show = (label, value) => console.log(`   ${label.padEnd(34)} ${value}`);
const check = (label, ok) => {
  console.log(`   ${ok ? 'ok  ' : 'FAIL'} ${label}`);
  if (!ok) failures++;
};
const hex = (status) => `${ntStatusName(status)}`;

step('Open the control device and ask the miniport for its caps (DxgkDdiMiracastQueryCaps)');
const device = await openDevice();
const info = await device.info();
show('contract version', `${info.contractVersion >>> 16}.${info.contractVersion & 0xffff}`);
const caps = await device.queryCaps();
show('MaxChunkPrivateDriverDataSize', caps.maxChunkPrivateDriverDataSize);
check('the miniport supports HDCP, as every Miracast driver must', caps.hdcpSupport);

step('Create a Miracast context (DxgkDdiMiracastCreateContext)');
const context = await device.createContext();
show('context id / TargetId', `${context.id} / 0x${context.targetId.toString(16)}`);
const second = await device.createContext().catch((e) => e);
check(`a second live context is refused: ${second.statusName}`, second.status === NtStatus.STATUS_RESOURCE_IN_USE);

step('Play the user-mode Miracast driver on a second handle (HandleKernelModeMessage)');
const umd = await openDevice();
const agent = await umd.attachAgent(({ input, outputSize }) => ({
  status: NtStatus.STATUS_SUCCESS,
  output: Buffer.from(input.toString('utf8').toUpperCase()).subarray(0, outputSize),
}));
const reply = await context.sendMessage(Buffer.from('power the sink down'), { outputSize: 64 });
show('DxgkCbMiracastSendMessageCallback', `${hex(reply.status)}, ${reply.information} bytes: "${reply.output}"`);
check('the miniport got the agent\'s answer', reply.output.toString() === 'POWER THE SINK DOWN');
const many = await Promise.all(Array.from({ length: 200 }, (_, i) => context.sendMessage(Buffer.from(`m${i}`), { outputSize: 8 })));
check('200 concurrent messages, each answered once', many.every((r, i) => r.output.toString() === `M${i}`));
const stats = await device.stats();
show('largest receive batch / reply batch', `${stats.receiveBatchMax} / ${stats.replyBatchMax} messages`);

step('Drive the miniport through its own IoControl (DxgkDdiMiracastIoControl)');
check('IoControl echo', (await context.miniport.echo(Buffer.from('sink info'))).toString() === 'sink info');
await context.miniport.monitorArrive();
const state = await context.miniport.readState();
show('miniport: monitor connected', state.monitorConnected === 1 ? 'yes' : 'no');
show('miniport: Miracast-class overlaps seen', state.classOverlaps);
const chunk = await context.miniport.reportChunk({ privateDataSize: 16 });
check(`DxgkCbReportChunkInfo refuses private data: ${hex(chunk)}`, chunk === NtStatus.STATUS_INVALID_PARAMETER);

step('Make the OS side misbehave on purpose');
await device.injectFault({ kind: 'sendFail', status: NtStatus.STATUS_INVALID_PARAMETER_1, count: 1 });
const failed = await context.sendMessage(Buffer.from('x')).catch((e) => e);
check(`DxgkCbMiracastSendMessage fails before delivery: ${failed.statusName}`, failed.status === NtStatus.STATUS_INVALID_PARAMETER_1);
await device.injectFault({ kind: 'callbackInline', count: 1 });
const before = (await context.miniport.readState()).callbacksBeforeReturn;
await context.sendMessage(Buffer.from('inline'), { outputSize: 8 });
check('a callback that runs before the send returns is coped with', (await context.miniport.readState()).callbacksBeforeReturn === before + 1);
await device.injectFault({ kind: 'callbackDelay', delayMs: 2000, count: 1 });
const late = await context.sendMessage(Buffer.from('slow'), { timeoutMs: 100 }).catch((e) => e);
check(`a request waited for too long is cancelled in the kernel: ${late.name}`, late.name === 'TimeoutError');
await device.resetFaults();

step('Read the DDI trace');
const mark = await device.traceMark();
await context.sendMessage(Buffer.from('traced'), { outputSize: 6 });
await agent.detach();
await context.destroy();
const { events } = await device.trace({ since: mark });
for (const e of events) {
  const what = e.kind === 'ddiEnter' || e.kind === 'ddiExit' ? `${e.kind} ${e.ddi}`
    : e.kind === 'callback' ? `callback (${e.answer}) ${e.statusName}` : e.kind === 'hpd' ? `hpd connected=${e.connected}` : e.kind;
  show(`#${e.sequence}`, what);
}
check('destroy ends with a monitor departure', events.some((e) => e.kind === 'hpd' && !e.connected));

step('Both halves together: the sample user-mode driver, hosted as the OS hosts it');
{
  const umdMark = await device.traceMark();
  const host = await openUmdHost({ dll: umdDll('sample'), dataRateIntervalMs: 200 });
  show('loaded', `${host.dll.split(/[\\/]/).pop()} (QueryMiracastDriverInterface: version 1, 48 bytes)`);
  const dataRate = new Promise((resolve) => host.on('dataRate', (e) => e.what === 'notified' && resolve(e)));
  const session = await host.start({ stats: { currentBitRate: 20_000_000 } });
  show('the sink saw', session.wfdSink.requests.map((r) => r.method).join(', '));
  show('MIRACAST_SESSION_INFO', `MonitorConnected=${+session.sessionInfo.monitorConnected}, ReducedModeList=${+session.sessionInfo.reducedModeListDueToBandwidth}`);
  const answer = await host.context.sendMessage(Buffer.from('low power'), { outputSize: 32 });
  show('miniport -> driver -> DLL -> miniport', `"${answer.output}" (${hex(answer.status)})`);
  check('the DLL answered the miniport\'s message', answer.output.toString() === 'umd:low power');
  const rate = await dataRate;
  show('data-rate notification', `EncoderBitRate ${rate.encoderBitRate} bit/s`);
  const torn = new Promise((resolve) => host.once('teardown', resolve));
  const report = new Promise((resolve) => host.once('sessionStatus', resolve));
  session.wfdSink.teardown();
  show('the sink tore down; the driver reported', (await report).reasonName);
  await torn;
  check('the host stopped, destroyed and unloaded the driver', host.state === 'unloaded');
  const kernel = (await device.trace({ since: umdMark })).events;
  const timeline = mergeTimeline(kernel, host.trace().events, host.clock.unit100ns)
    .filter((entry) => !entry.name.includes('GetNextChunkData') && !entry.name.startsWith('Host'));
  for (const entry of timeline.slice(0, 24)) show(`${entry.ms.toFixed(1).padStart(7)} ms ${entry.half}`, entry.name);
  if (timeline.length > 24) show('...', `${timeline.length - 24} more`);
  check('the sample keeps every UMD rule', host.findings().length === 0);
  await host.close();

  const broken = await openUmdHost({ dll: umdDll('monitor_in_start') });
  await broken.start();
  await broken.destroy();
  const [finding] = broken.findings();
  check(`a broken driver is flagged: ${finding?.ruleId}`, finding?.ruleId === 'umd.monitor.afterStartReturns');
  show('evidence', finding?.evidence);
  await broken.close();
}

step('Nothing left behind');
await umd.close();
let final = await device.stats();
for (let i = 0; i < 100 && !isIdle(final); i++) {
  await new Promise((r) => setTimeout(r, 20));
  final = await device.stats();
}
show('allocations outstanding', `${final.allocationsOutstanding} (one per open handle: ${final.handlesOpen})`);
show('callbacks run / messages total', `${final.callbacksRun} / ${final.messagesTotal}`);
check('no context, message, miniport block or pended IRP remains', isIdle(final));

await device.close();
console.log(failures ? `\ndemo: ${failures} check(s) failed` : '\ndemo: every check passed');
process.exitCode = failures ? 1 : 0;
