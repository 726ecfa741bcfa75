// `miracast-hil trace [--follow]`: the driver's DDI trace, once or as it grows.
import type { TraceEvent } from '../trace';
import { ExitCode, integerOption, parseCommandArgs, writeJson, writeLine, type CliCommand, type CliIo } from './command';
import { withDevice } from './open';

function describe(event: TraceEvent): string {
  const head = `${String(event.sequence).padStart(6)} t${event.threadId} ctx${event.contextId}`;
  switch (event.kind) {
    case 'ddiEnter': return `${head} enter ${event.ddi}${event.hardwareAccess ? ' (hardware access)' : ''}`;
    case 'ddiExit': return `${head} exit  ${event.ddi} ${event.statusName} result=${event.result}`;
    case 'send': return `${head} send  msg${event.messageId} in=${event.inputSize} out=${event.outputSize} ${event.statusName}`;
    case 'deliver': return `${head} deliver msg${event.messageId}`;
    case 'callback': return `${head} callback msg${event.messageId} ${event.answer} ${event.statusName} information=${event.information}`;
    case 'hpd': return `${head} hpd ${event.connected ? 'arrive' : 'depart'} child=${event.childUid}`;
    case 'chunk': return `${head} chunk type=${event.chunkType} private=${event.privateDataSize} ${event.statusName}`;
    case 'session': return `${head} session ${event.action} ${event.statusName}`;
    case 'agent': return `${head} agent ${event.attached ? 'attach' : 'detach'} pid=${event.processId}`;
    case 'fault': return `${head} fault ${event.fault}`;
  }
  return head;
}

export const trace: CliCommand = {
  name: 'trace',
  summary: 'read the DDI trace (--follow: keep printing new events until Ctrl+C)',
  usage: `usage: miracast-hil trace [--since N] [--max N] [--follow [--interval MS]] [--json]

  --since N      start at sequence number N (default: the oldest event the ring still holds)
  --max N        at most N events per read
  --follow       keep reading new events every --interval ms (default 250) until Ctrl+C
  --json         without --follow: one document { events, nextSequence, lost };
                 with --follow: one JSON event per line

Exit code: 0 ok, 2 could not run (no driver).`,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(args, {
      since: { type: 'string' }, max: { type: 'string' }, follow: { type: 'boolean' }, interval: { type: 'string' },
    });
    const since = integerOption(values.since, 'since', 0, Number.MAX_SAFE_INTEGER);
    const max = integerOption(values.max, 'max', 1, 1 << 20);
    const interval = integerOption(values.interval, 'interval', 10, 60_000) ?? 250;
    return await withDevice(async (device) => {
      const limit = max === undefined ? undefined : Math.min(max, device.constants.limits.traceCapacity);
      if (!values.follow) {
        const read = await device.trace({ since, max: limit });
        if (values.json) {
          writeJson(io, read);
        } else {
          for (const event of read.events) writeLine(io, describe(event));
          if (read.lost > 0) writeLine(io, `(${read.lost} events were overwritten before this read)`);
        }
        return ExitCode.OK;
      }
      let next = since ?? (await device.traceMark());
      while (!io.signal?.aborted) {
        const read = await device.trace({ since: next, max: limit });
        if (read.lost > 0) {
          if (values.json) writeLine(io, JSON.stringify({ lost: read.lost }));
          else writeLine(io, `(${read.lost} events lost)`);
        }
        for (const event of read.events) writeLine(io, values.json ? JSON.stringify(event) : describe(event));
        next = read.nextSequence;
        if (read.events.length === 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, interval);
            function done() {
              clearTimeout(timer);
              io.signal?.removeEventListener('abort', done);
              resolve();
            }
            io.signal?.addEventListener('abort', done, { once: true });
          });
        }
      }
      return ExitCode.OK;
    });
  },
};
