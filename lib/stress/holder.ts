// What the kill and worker storms share: a parent that keeps every message of the storm in
// flight (an agent with manual sessions that never starts one, so the host holds each message in
// the kernel), and the children's side, which fills a context with requests that stay pending.
import { openDevice, type MiracastDevice } from '../device';
import type { MiracastAgent } from '../agent';
import type { DriverStats } from '../types';
import { pollUntil } from './part';

export interface Holder {
  device: MiracastDevice;
  agentDevice: MiracastDevice;
  agent: MiracastAgent;
  /** The driver with the holder in place and no child: what each round must come back to. */
  baseline: DriverStats;
  /** Messages the agent's handler was given (must stay 0: no session is ever started). */
  handlerCalls(): number;
  /** Detaches, puts the miniport back to one target, closes; what failed goes to `problems`. */
  close(problems: string[]): Promise<void>;
}

/** Opens the holder; `targets` Miracast targets let that many children hold a context at once. */
export async function openHolder(targets: number): Promise<Holder> {
  const device = await openDevice();
  const agentDevice = await openDevice();
  let calls = 0;
  try {
    await device.resetFaults();
    await device.configureResponder({ enabled: false });
    await device.configureMiniport({ targetCount: targets });
    const agent = await agentDevice.attachAgent(() => { calls++; return {}; }, { manualSessions: true });
    // The agent's receives are pended once it is attached: wait for them so the baseline has them.
    const { value: baseline } = await pollUntil(() => device.stats(), (s) => s.irpsPending >= 1 && s.agentAttached === 1, 5000);
    return {
      device, agentDevice, agent, baseline,
      handlerCalls: () => calls,
      close: async (problems: string[]) => {
        try {
          await agent.detach();
          // Refused while a child's context is still alive: that is a finding, not a crash.
          await device.configureMiniport({ targetCount: 1 });
        } catch (error) {
          problems.push(`putting the driver back failed: ${String(error)}`);
        } finally {
          await agentDevice.close();
          await device.close();
        }
      },
    };
  } catch (error) {
    await agentDevice.close();
    await device.close();
    throw error;
  }
}

/** Back at the holder's baseline: no context, message or allocation left by the children. */
export function atBaseline(stats: DriverStats, baseline: DriverStats): boolean {
  return stats.hostContexts === 0 && stats.hostMessages === 0 && stats.miniportBlocks === 0 &&
    stats.miniportContexts === 0 && stats.irpsPending === baseline.irpsPending &&
    stats.handlesOpen === baseline.handlesOpen && stats.allocationsOutstanding === stats.fileContexts &&
    stats.fileContexts === stats.handlesOpen;
}

/** The children's side: a context and `requests` sends left in flight. Returns what is in flight. */
export async function fillWithRequests(requests: number): Promise<{ device: MiracastDevice; inFlight: number }> {
  const device = await openDevice();
  const context = await device.createContext();
  const input = Buffer.from('held until the end');
  for (let i = 0; i < requests; i++) {
    // The end of this process or worker cancels them; nothing here waits for that.
    context.sendMessage(input, { outputSize: 8 }).catch(() => {});
  }
  return { device, inFlight: device.inFlight };
}
