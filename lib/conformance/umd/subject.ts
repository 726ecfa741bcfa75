// A user-mode Miracast driver (UMD) as a conformance subject: the UMD host (lib/umd) loads the DLL
// and plays the OS's Miracast host for it through one session, as the OS would run it - Create,
// Start (a sink on loopback), the driver's chunk reader, a message from the miniport, an injected
// STATUS_CONNECTION_RESET, Stop, Destroy, unload - and names the rule of each breach it sees
// (lib/umd/rules.ts). The session runs once, when the subject opens; each rule's check then reports
// that rule's findings, so the runner, its selection, seed, time bound and reporters are the
// kernel miniport's. A DLL that cannot be loaded fails the load rules; one that cannot be found
// makes the run "could not run".
import { ntStatusName } from '../../ntstatus';
import { openUmdHost, type UmdHost } from '../../umd/host';
import { UmdError } from '../../umd/errors';
import { umdRules, type UmdFinding, type UmdRule } from '../../umd/rules';
import type { CheckBase, CheckWindowReport, NeedDescription, Rule, RuleSet, Subject, SubjectDescription } from '../types';

export interface UmdCheck extends CheckBase {
  /** What the host saw this rule's way during the session (empty: kept). */
  readonly findings: readonly UmdFinding[];
  /** How the session went, for the evidence. */
  readonly session: readonly string[];
  /** Why the session could not show this rule (the DLL did not load, or the host wedged). */
  readonly blocked?: string;
}

const umdNeeds = [
  { id: 'chunks', what: 'the harness driver\'s chunk path (IOCTL_MH_READ_CHUNKS, IOCTL_MH_REPORT_CHUNKS), for chunks to read' },
] as const satisfies readonly NeedDescription[];

/** The load rules judge what happens before a session can run. */
const loadRules = new Set(['umd.load.export', 'umd.load.interface']);
/** The UmdError codes a load failure of each load rule raises. */
const loadFailures: Record<string, string> = { ERR_UMD_NO_EXPORT: 'umd.load.export', ERR_UMD_INTERFACE: 'umd.load.interface' };

/** Each rule's check: the session's findings of that rule, and its evidence. */
async function reportFindings(c: UmdCheck): Promise<void> {
  for (const line of c.session) c.evidence(line);
  for (const f of c.findings) c.finding(f.evidence);
  if (c.findings.length === 0 && c.blocked !== undefined && !loadRules.has(c.ruleId)) c.notApplicable(c.blocked);
}

function asRule(rule: UmdRule): Rule<UmdCheck> {
  return {
    id: rule.id,
    area: rule.id.split('.')[1].replace(/^./, (ch) => ch.toUpperCase()),
    text: rule.text,
    sources: [rule.source],
    lane: rule.lane,
    ...(rule.lane === 'both' ? {} : { laneReason: rule.reference }),
    judges: 'umd',
    needs: rule.needs ? [rule.needs] : [],
    alsoTestedBy: rule.reference,
    check: reportFindings,
  };
}

export const umdRuleSet: RuleSet<UmdCheck> = {
  id: 'umd',
  title: 'The user-mode Miracast driver\'s rules (the UMD host)',
  subjectKind: 'user-mode Miracast driver',
  needs: umdNeeds,
  rules: umdRules.map(asRule),
};

export interface UmdSubjectOptions {
  dll: string;
  /** The harness's control device (default \\.\MiracastHil). */
  devicePath?: string;
  /** How long the session waits for each thing the driver does in it (GetNextChunkData calls). */
  sessionTimeoutMs?: number;
}

export class UmdSubject implements Subject<UmdCheck> {
  readonly kind = 'user-mode Miracast driver';
  readonly ruleSet = umdRuleSet;
  readonly #options: UmdSubjectOptions;
  #findings: UmdFinding[] = [];
  #session: string[] = [];
  #blocked: string | undefined;
  /** GetNextChunkData calls the session saw: without one the chunk rules have nothing to judge. */
  #chunkCalls = 0;
  #loadFinding: { rule: string; message: string } | undefined;

  constructor(options: UmdSubjectOptions) {
    this.#options = options;
  }

  async open(): Promise<SubjectDescription> {
    let host: UmdHost;
    try {
      host = await openUmdHost({ dll: this.#options.dll, device: this.#options.devicePath });
    } catch (error) {
      const rule = error instanceof UmdError ? loadFailures[error.code] : undefined;
      if (rule === undefined) throw error;
      this.#findings = [...((error as UmdError).findings ?? [])];
      if (!this.#findings.some((f) => f.ruleId === rule)) {
        this.#loadFinding = { rule, message: `the host could not load the driver: ${(error as Error).message}` };
      }
      this.#blocked = `the DLL did not load (${(error as UmdError).code})`;
      return this.#describe(false);
    }
    try {
      await this.#runSession(host);
    } finally {
      this.#findings = host.findings();
      await host.close();
      if (host.wedged) this.#blocked = 'a driver call never returned: the host stayed loaded under it (umd.calls.return)';
    }
    return this.#describe(true);
  }

  /** One session as the OS runs it; what the host sees meanwhile becomes its findings. */
  async #runSession(host: UmdHost): Promise<void> {
    const timeoutMs = this.#options.sessionTimeoutMs ?? 3000;
    const session = await host.start();
    const mark = host.traceMark();
    this.#session.push(`session started (target ${session.targetId})`);
    // Calls begun: a reader waiting for the next chunk has begun its call and not yet returned.
    const readsDone = () => host.trace({ since: mark }).events
      .filter((e) => e.name === 'MiracastUmdDriverCbGetNextChunkData' && e.phase === 'start').length;
    const reads = async (count: number, what: string) => {
      const deadline = Date.now() + timeoutMs;
      while (readsDone() < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      this.#session.push(`${what}: GetNextChunkData called ${readsDone()} time(s) since the start`);
    };
    await reads(1, 'the driver\'s chunk reader runs');
    const reply = await host.context!.sendMessage(Buffer.from('conformance'), { outputSize: 8 }).then(
      (r) => `a message from the miniport answered ${ntStatusName(r.status)} with ${r.output.length} byte(s)`,
      (error: Error) => `a message from the miniport failed: ${error.message}`);
    this.#session.push(reply);
    host.injectChunkReset(1);
    await reads(readsDone() + 1, 'after the host\'s STATUS_CONNECTION_RESET');
    this.#chunkCalls = readsDone();
    const destroyed = await host.destroy();
    this.#session.push(`destroyed in ${destroyed.destroyMs ?? '?'} ms, ${destroyed.threadsLeft ?? 0} thread(s) left behind`);
  }

  #describe(loaded: boolean): SubjectDescription {
    return {
      name: `the user-mode Miracast driver ${this.#options.dll}`,
      // The session reads what the driver's reader finds; it reports no chunk stream of its own
      // (umd-chunks.test.ts drives CHUNK_SENT with the encoder's stream).
      needs: umdNeeds.map((need) => ({ ...need, available: false,
        detail: loaded ? 'this run\'s session reports no chunk stream for the driver to send' : this.#blocked ?? '' })),
      facts: { dll: this.#options.dll, session: loaded ? 'one session, run when the subject opened' : 'none: the DLL did not load' },
    };
  }

  async begin(rule: Rule<UmdCheck>, base: CheckBase): Promise<UmdCheck> {
    const findings = this.#findings.filter((f) => f.ruleId === rule.id);
    if (this.#loadFinding?.rule === rule.id) {
      findings.push({ ruleId: rule.id, rule: rule.text, source: rule.sources[0] as UmdFinding['source'], lane: rule.lane,
        evidence: this.#loadFinding.message, time: 0, threadId: 0 });
    }
    const blocked = this.#blocked ?? (rule.id.startsWith('umd.chunks.') && this.#chunkCalls === 0
      ? 'the driver made no GetNextChunkData call during the session, so its chunk reading could not be judged' : undefined);
    return { ...base, findings, session: this.#session, blocked };
  }

  async end(): Promise<CheckWindowReport> {
    return { configuration: [], findings: [], evidence: [], alive: true };
  }

  timeline(): undefined {
    return undefined;
  }

  async close(): Promise<void> {
    // The session's host closed when it ended.
  }
}
