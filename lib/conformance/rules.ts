// The kernel miniport's rules: the WDDM 1.3 Miracast DDI contract as the harness checks it
// against whatever miniport it hosts. One row per rule; docs/contract.md's rule table is
// generated from these rows (doc.ts) and a test keeps the two equal. What a rule needs beyond the
// DDIs (a context, the test hooks, ...) is probed per run; a rule whose need is missing is
// reported not applicable with the reason. The host's own detections (kmd/violations.ts) each
// belong to one rule. The UMD's rules live in lib/umd/rules.ts, with the same shape.
import type { Rule, RuleSet } from './types';
import type { KmdCheck } from './kmd/check-context';
import { kmdNeeds } from './kmd/needs';
import { checkCapsFlags, checkCapsNoOverrun, checkCapsSize, checkCapsStable } from './kmd/checks/caps';
import { checkHpdInterruptible, checkOneMiracastChild, checkStartInterface, checkTargetIsChild } from './kmd/checks/adapter';
import { checkDdiBounded, checkFreedOnce, checkNoLeak, checkNoWriteAfterFree } from './kmd/checks/memory';
import {
  checkArrivalFromIoControl, checkDepartureOnDestroy, checkDestroyAfterFailedStart, checkNoIoControlAfterDestroy,
  checkOneTarget, checkTargetId,
} from './kmd/checks/contexts';
import { checkMiracastClass, checkOverlapDetector, checkThirdLevel } from './kmd/checks/sync';
import { checkIoControlFuzz } from './kmd/checks/fuzz';
import { checkBytesReturned, checkNoViolations } from './kmd/checks/iocontrol';
import {
  checkAnswerCopied, checkBuffersHeld, checkCallbackBeforeReturn, checkCallbackOrderDelayStatus, checkCallbacksCopied,
  checkConcurrentCallbacks, checkFailureFreesBuffers, checkNoHost, checkSendPending,
} from './kmd/checks/messages';
import {
  checkConcurrentHandling, checkDestroyCompletesOutstanding, checkDroppedAfterStop, checkEveryMessageAnswered, checkHeldUntilStart,
  checkNewAgentNewHost, checkSessionCycles,
} from './kmd/checks/sessions';
import { checkChunkDpc, checkChunkNumbering, checkChunkPrivateSize, checkChunkTarget, checkReportChunkInfo } from './kmd/checks/chunks';

type KmdRule = Rule<KmdCheck>;

/** Faults that make every send-path rule misbehave when the run is configured with them. */
const sendFaults = ['sendFail', 'callbackStatus', 'callbackInline', 'replyRefuse'] as const;

export const kmdRules: readonly KmdRule[] = [
  // ---------------------------------------------------------------- adapter start
  {
    id: 'kmd.start.interface', area: 'Adapter start', sources: ['OBS'], lane: 'both', judges: 'miniport', needs: ['adapterStart'],
    text: 'DxgkDdiQueryInterface for GUID_DEVINTERFACE_MIRACAST_DISPLAY returns Size >= 64, Version 1 and all four Miracast DDIs',
    alsoTestedBy: 'the host refuses to start otherwise (every test needs it started)',
    check: checkStartInterface,
  },
  {
    id: 'kmd.start.one-miracast-child', area: 'Adapter start', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: ['childRelations'],
    text: 'DxgkDdiQueryChildRelations reports exactly one child of type D3DKMDT_VOT_MIRACAST',
    check: checkOneMiracastChild,
  },
  {
    id: 'kmd.start.hpd-interruptible', area: 'Adapter start', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: ['childRelations'],
    text: 'the Miracast child has HPD awareness HpdAwarenessInterruptible and stays disconnected until a session starts',
    check: checkHpdInterruptible,
  },
  // ---------------------------------------------------------------- QueryCaps
  {
    id: 'kmd.caps.size-check', area: 'QueryCaps', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: [],
    text: 'QueryCaps checks MiracastCapsSize before it fills the caps: a smaller size fails, the struct\'s size succeeds',
    alsoTestedBy: 'device: *queryCaps ...*; trace: *a failing DDI records its status*; C: *caps*',
    check: checkCapsSize,
  },
  {
    id: 'kmd.caps.no-write-past-size', area: 'QueryCaps', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: ['capsGuard'],
    text: 'QueryCaps writes nothing past MiracastCapsSize',
    check: checkCapsNoOverrun,
  },
  {
    id: 'kmd.caps.flags', area: 'QueryCaps', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: [],
    text: 'QueryCaps reports HDCP support, and Flags.Reserved is 0 (the host counts a breach in contractViolations)',
    alsoTestedBy: 'device: *queryCaps*; trace: HLK run asserts `contractViolations` 0',
    check: checkCapsFlags,
  },
  {
    id: 'kmd.caps.stable', area: 'QueryCaps', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: ['context'],
    text: 'the caps do not change: the same answer before, during and after a session',
    check: checkCapsStable,
  },
  {
    id: 'kmd.sync.third-level', area: 'QueryCaps', sources: ['DOC', 'OBS'], lane: 'both', judges: 'host', needs: ['context'],
    text: 'QueryCaps and a HardwareAccess IoControl are third-level: nothing else is inside the miniport meanwhile',
    trippedBy: ['lockBypass'],
    alsoTestedBy: 'serialization: *QueryCaps (third level) waits ...*, *a HardwareAccess IoControl waits ..., and the reverse*',
    check: checkThirdLevel,
  },
  // ---------------------------------------------------------------- CreateContext
  {
    id: 'kmd.create.callbacks-copied', area: 'CreateContext', sources: ['OBS'], lane: 'both', judges: 'miniport', needs: ['context', 'testHooks'],
    text: 'CreateContext copies the callbacks table: it lives on the caller\'s stack (the host scribbles it after the call, so a miniport that kept the pointer fails every later send)',
    trippedBy: ['createContextFail', ...sendFaults],
    alsoTestedBy: 'every test that sends after creating, e.g. agent, sessions, trace HLK run',
    check: checkCallbacksCopied,
  },
  {
    id: 'kmd.create.target-id', area: 'CreateContext', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: ['context'],
    text: 'CreateContext returns the TargetId of its Miracast target: the child it indicates the monitor on',
    trippedBy: ['createContextFail'],
    alsoTestedBy: 'context: *returns the Miracast target*; trace: *DDI entries and exits*; C: *context*',
    check: checkTargetId,
  },
  {
    id: 'kmd.create.target-is-child', area: 'CreateContext', sources: ['OBS'], lane: 'both', judges: 'miniport', needs: ['childRelations'],
    text: 'the TargetId is the Miracast child of DxgkDdiQueryChildRelations (otherwise the start fails with STATUS_INVALID_PARAMETER and DestroyContext follows)',
    check: checkTargetIsChild,
  },
  {
    id: 'kmd.create.one-target', area: 'CreateContext', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: ['context'],
    text: 'one Miracast target: a second live context gets STATUS_RESOURCE_IN_USE, and DestroyContext frees the target',
    trippedBy: ['createContextFail'],
    alsoTestedBy: 'context; C: *context*; demo',
    check: checkOneTarget,
  },
  {
    id: 'kmd.create.destroy-after-failed-start', area: 'CreateContext', sources: ['OBS'], lane: 'both', judges: 'host', needs: ['context'],
    text: 'a failure after CreateContext succeeded is followed by DestroyContext',
    usesFaults: ['createContextFail'],
    alsoTestedBy: 'faults: *after the miniport succeeded*',
    check: checkDestroyAfterFailedStart,
  },
  // ---------------------------------------------------------------- Miracast class
  {
    id: 'kmd.sync.miracast-class', area: 'Miracast class', sources: ['DOC'], lane: 'both', judges: 'host', needs: ['context'],
    text: 'one of CreateContext, DestroyContext, IoControl inside the miniport at a time, from any number of handles and threads',
    trippedBy: ['lockBypass'],
    alsoTestedBy: 'serialization: *storm from three handles and two processes*, *an IoControl on another context waits*; context: *the lock under contention*',
    check: checkMiracastClass,
  },
  {
    id: 'kmd.sync.overlap-detector', area: 'Miracast class', sources: ['HIL'], lane: 'both', judges: 'harness', needs: ['context', 'testHooks'],
    text: 'the test miniport\'s overlap detector sees the overlaps a bypassed lock lets through',
    usesFaults: ['lockBypass'],
    alsoTestedBy: 'serialization: *LOCK_BYPASS*',
    check: checkOverlapDetector,
  },
  // ---------------------------------------------------------------- IoControl
  {
    id: 'kmd.iocontrol.fuzz', area: 'IoControl', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: ['context'],
    text: 'IoControl checks its buffer sizes before using them and returns STATUS_SUCCESS or an error status, which reaches the caller (seeded fuzzing)',
    trippedBy: ['createContextFail'],
    alsoTestedBy: 'context: *the miniport\'s own errors*; C: *iocontrol*',
    check: checkIoControlFuzz,
  },
  {
    id: 'kmd.iocontrol.bytes-returned', area: 'IoControl', sources: ['OBS'], lane: 'both', judges: 'miniport', needs: ['context'],
    text: 'IoControl\'s BytesReturned never exceeds OutputBufferSize (dxgkrnl fails the call with STATUS_INVALID_PARAMETER)',
    trippedBy: ['createContextFail'],
    check: checkBytesReturned,
  },
  {
    id: 'kmd.iocontrol.monitor-arrival', area: 'IoControl', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: ['context', 'testHooks'],
    text: 'monitor arrival is indicated (DxgkCbIndicateChildStatus, Connected = TRUE) from the IoControl that reports it',
    trippedBy: ['createContextFail'],
    alsoTestedBy: 'trace: *hot-plug indications*; HLK run',
    check: checkArrivalFromIoControl,
  },
  {
    id: 'kmd.iocontrol.none-after-destroy', area: 'IoControl', sources: ['DOC'], lane: 'both', judges: 'host', needs: ['context'],
    text: 'no IoControl reaches the miniport after DestroyContext, not even one racing it',
    trippedBy: ['createContextFail'],
    alsoTestedBy: 'sessions: *... no IoControl reaches the miniport after DestroyContext* (trace); context: *destroy is idempotent*; C: *iocontrol*',
    check: checkNoIoControlAfterDestroy,
  },
  // ---------------------------------------------------------------- DestroyContext
  {
    id: 'kmd.destroy.departure', area: 'DestroyContext', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: ['context'],
    text: 'DestroyContext releases the context and indicates monitor departure (Connected = FALSE) before it returns',
    trippedBy: ['createContextFail'],
    alsoTestedBy: 'trace: *hot-plug indications*; sessions: *DestroyContext* (trace sequence)',
    check: checkDepartureOnDestroy,
  },
  {
    id: 'kmd.destroy.completes-outstanding', area: 'DestroyContext', sources: ['DOC', 'HIL'], lane: 'both', judges: 'host', needs: ['context', 'testHooks'],
    text: 'DestroyContext: every outstanding message completes through its callback, with an error status, before the DDI',
    trippedBy: ['createContextFail', ...sendFaults],
    alsoTestedBy: 'sessions: *DestroyContext* (held, in the agent\'s hands, at the responder)',
    check: checkDestroyCompletesOutstanding,
  },
  // ---------------------------------------------------------------- SendMessage
  {
    id: 'kmd.send.pending', area: 'SendMessage', sources: ['DOC'], lane: 'both', judges: 'host', needs: ['context', 'testHooks'],
    text: 'DxgkCbMiracastSendMessage returns STATUS_PENDING when it takes the message, and its callback follows',
    trippedBy: ['createContextFail', ...sendFaults],
    alsoTestedBy: 'trace: *callbacks with their status* (`send STATUS_PENDING`)',
    check: checkSendPending,
  },
  {
    id: 'kmd.send.no-host', area: 'SendMessage', sources: ['OBS'], lane: 'both', judges: 'host', needs: ['context', 'testHooks'],
    text: 'with no UMD host a send fails at once with STATUS_DEVICE_REMOVED and no callback; the miniport frees its buffers itself',
    trippedBy: ['createContextFail', ...sendFaults],
    alsoTestedBy: 'send-message; C: *send*',
    check: checkNoHost,
  },
  {
    id: 'kmd.send.failure-frees-buffers', area: 'SendMessage', sources: ['OBS'], lane: 'both', judges: 'miniport', needs: ['context', 'testHooks'],
    text: 'a send that fails before delivery makes no callback: the miniport frees its buffers itself',
    usesFaults: ['sendFail'],
    trippedBy: ['createContextFail'],
    alsoTestedBy: 'faults: *fails before delivery*',
    check: checkFailureFreesBuffers,
  },
  {
    id: 'kmd.send.buffers-held', area: 'SendMessage', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: ['context', 'testHooks'],
    text: 'the miniport holds its buffers until its callback, and each block is freed exactly once',
    trippedBy: ['createContextFail', ...sendFaults],
    alsoTestedBy: 'faults: every case (after each: `blocksOutstanding` 0, `badCallbacks` unchanged); every file\'s idle check',
    check: checkBuffersHeld,
  },
  {
    id: 'kmd.send.callback-before-return', area: 'SendMessage', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: ['context', 'testHooks'],
    text: 'the callback may run before DxgkCbMiracastSendMessage returns',
    usesFaults: ['callbackInline'],
    trippedBy: ['createContextFail', 'sendFail'],
    alsoTestedBy: 'faults: *runs before DxgkCbMiracastSendMessage returns*',
    check: checkCallbackBeforeReturn,
  },
  {
    id: 'kmd.send.concurrent-callbacks', area: 'SendMessage', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: ['context', 'testHooks'],
    text: 'callbacks may run concurrently, on several threads',
    usesFaults: ['callbackConcurrent'],
    trippedBy: ['createContextFail', 'sendFail'],
    alsoTestedBy: 'faults: *runs for several messages at once from several threads*',
    check: checkConcurrentCallbacks,
  },
  {
    id: 'kmd.send.callback-order-delay-status', area: 'SendMessage', sources: ['HIL'], lane: 'both', judges: 'miniport', needs: ['context', 'testHooks'],
    text: 'callbacks may complete out of order, be delayed, and carry any status: each reaches its own message',
    usesFaults: ['callbackReverse', 'callbackDelay', 'callbackStatus'],
    trippedBy: ['createContextFail', 'sendFail'],
    alsoTestedBy: 'faults: *out of order*, *delayed*, *a chosen status*',
    check: checkCallbackOrderDelayStatus,
  },
  {
    id: 'kmd.send.answer-copied', area: 'SendMessage', sources: ['OBS'], lane: 'both', judges: 'host', needs: ['context', 'testHooks'],
    text: 'the answer is copied to the miniport\'s output buffer before its callback; Information says how much',
    trippedBy: ['createContextFail', ...sendFaults],
    alsoTestedBy: 'send-message: responder cases; agent: handler cases',
    check: checkAnswerCopied,
  },
  // ---------------------------------------------------------------- sessions
  {
    id: 'kmd.session.held-until-start', area: 'Sessions', sources: ['DOC'], lane: 'both', judges: 'host', needs: ['context', 'testHooks'],
    text: 'messages are not delivered before the session starts: held, then delivered in order',
    trippedBy: ['createContextFail', ...sendFaults],
    alsoTestedBy: 'sessions: *holds messages ...*',
    check: checkHeldUntilStart,
  },
  {
    id: 'kmd.session.dropped-after-stop', area: 'Sessions', sources: ['DOC'], lane: 'both', judges: 'host', needs: ['context', 'testHooks'],
    text: 'messages sent during or after stop are dropped; the callback gets an error status',
    trippedBy: ['createContextFail', ...sendFaults],
    alsoTestedBy: 'sessions: *session stop*; C: *session: stop drops ...*',
    check: checkDroppedAfterStop,
  },
  {
    id: 'kmd.session.new-agent-new-host', area: 'Sessions', sources: ['HIL'], lane: 'both', judges: 'host', needs: ['context', 'testHooks'],
    text: 'a new agent is a new UMD host: when an agent detaches or its handle closes, every context\'s session goes back to not-started (also one that agent stopped); an automatic agent starts it again, a manual-sessions agent holds its messages until `startSession`',
    trippedBy: ['createContextFail', ...sendFaults],
    alsoTestedBy: 'agent-handover: *after an agent stopped a session and went away*',
    check: checkNewAgentNewHost,
  },
  {
    id: 'kmd.session.every-message-answered', area: 'Sessions', sources: ['HIL'], lane: 'both', judges: 'harness', needs: ['context', 'testHooks'],
    text: 'every message the agent received gets an answer: its reply, or an error status when the handler fails or the reply is refused or cannot be sent',
    usesFaults: ['replyRefuse'],
    trippedBy: ['createContextFail', 'sendFail', 'callbackStatus', 'callbackInline'],
    alsoTestedBy: 'agent: *handler failures*; agent-replies',
    check: checkEveryMessageAnswered,
  },
  {
    id: 'kmd.session.concurrent-handling', area: 'Sessions', sources: ['DOC'], lane: 'both', judges: 'host', needs: ['context', 'testHooks'],
    text: 'the UMD\'s HandleKernelModeMessage may be called concurrently: messages are delivered without waiting for earlier answers',
    trippedBy: ['createContextFail', ...sendFaults],
    alsoTestedBy: 'agent: *1,000 concurrent sendMessage calls* (asynchronous handler overlap: lifecycle *memory*)',
    check: checkConcurrentHandling,
  },
  {
    id: 'kmd.session.hlk-cycles', area: 'Sessions', sources: ['HLK'], lane: 'both', judges: 'miniport', needs: ['context', 'testHooks'],
    text: 'HLK "session connect and disconnect": repeated create, start, monitor arrival, messages both ways, stop, destroy, each cycle\'s trace clean',
    trippedBy: ['createContextFail', ...sendFaults],
    alsoTestedBy: 'trace: *HLK-style session connect and disconnect* (20 cycles, trace checked each)',
    check: checkSessionCycles,
  },
  // ---------------------------------------------------------------- chunks
  {
    id: 'kmd.chunk.report-chunk-info', area: 'Chunks', sources: ['DOC'], lane: 'both', judges: 'host', needs: ['context', 'testHooks'],
    text: 'DxgkCbReportChunkInfo: private data NULL and size 0, otherwise STATUS_INVALID_PARAMETER; it only logs',
    trippedBy: ['createContextFail'],
    alsoTestedBy: 'trace: *DxgkCbReportChunkInfo*',
    check: checkReportChunkInfo,
  },
  {
    id: 'kmd.chunk.private-size', area: 'Chunks', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: ['context', 'testHooks', 'chunkPath'],
    trippedBy: ['createContextFail'],
    text: 'a chunk interrupt\'s PrivateDataDriverSize is at most the caps\' MaxChunkPrivateDriverDataSize',
    check: checkChunkPrivateSize,
  },
  {
    id: 'kmd.chunk.target', area: 'Chunks', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: ['context', 'testHooks', 'chunkPath'],
    trippedBy: ['createContextFail'],
    text: 'a chunk interrupt names the Miracast target (VidPnTargetId) of a started session',
    check: checkChunkTarget,
  },
  {
    id: 'kmd.chunk.dpc', area: 'Chunks', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: ['context', 'testHooks', 'chunkPath'],
    trippedBy: ['createContextFail'],
    text: 'DxgkCbNotifyDpc follows the chunk interrupts (including one answered STATUS_NO_MEMORY)',
    check: checkChunkDpc,
  },
  {
    id: 'kmd.chunk.numbering', area: 'Chunks', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: ['context', 'testHooks', 'chunkPath'],
    trippedBy: ['createContextFail'],
    text: 'chunks of a frame share its FrameNumber, FRAME_START is reported, and the last slice is part 0',
    check: checkChunkNumbering,
  },
  {
    id: 'kmd.chunk.irql', area: 'Chunks', sources: ['DOC'], lane: 'windows', judges: 'miniport', needs: ['irqlChecks'],
    laneReason: 'Wine has no IRQL',
    text: 'DxgkCbReportChunkInfo and the chunk interrupt are called at or below DISPATCH_LEVEL',
  },
  // ---------------------------------------------------------------- memory and time
  {
    id: 'kmd.pool.no-write-after-free', area: 'Memory and time', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: ['context', 'testHooks', 'poolTracker'],
    trippedBy: ['createContextFail', ...sendFaults],
    text: 'no buffer is freed before its callback or written after it (the tracker\'s quarantine finds the write)',
    check: checkNoWriteAfterFree,
  },
  {
    id: 'kmd.pool.freed-once', area: 'Memory and time', sources: ['DOC'], lane: 'both', judges: 'miniport', needs: ['context', 'testHooks', 'poolTracker'],
    usesFaults: ['callbackInline'],
    trippedBy: ['createContextFail', 'sendFail'],
    text: 'no block is freed twice, including in the callback-before-return race',
    check: checkFreedOnce,
  },
  {
    id: 'kmd.pool.no-leak', area: 'Memory and time', sources: ['HIL'], lane: 'both', judges: 'miniport', needs: ['context', 'poolTracker'],
    trippedBy: ['createContextFail', ...sendFaults],
    text: 'nothing the miniport allocated is left at DestroyContext (the host compares its pool with its level after the adapter started once the last context is destroyed) and at unload',
    check: checkNoLeak,
  },
  {
    id: 'kmd.ddi.bounded', area: 'Memory and time', sources: ['HIL'], lane: 'both', judges: 'miniport', needs: ['watchdog'],
    text: 'no DDI call blocks longer than the host\'s stated bound (3 s, MH_DDI_BOUND_MS; the watchdog measures each call)',
    check: checkDdiBounded,
  },
  {
    id: 'kmd.host.no-violations', area: 'Memory and time', sources: ['HIL'], lane: 'both', judges: 'miniport', needs: [],
    text: 'over the whole run the host counted no contract violation of the miniport (contractViolations)',
    alsoTestedBy: 'trace: HLK run; every check above reads its own window',
    check: checkNoViolations,
  },
];

export const kmdRuleSet: RuleSet<KmdCheck> = {
  id: 'kmd',
  title: 'The kernel miniport\'s rules (the Miracast DDIs)',
  subjectKind: 'kernel miniport',
  needs: kmdNeeds,
  rules: kmdRules,
};
