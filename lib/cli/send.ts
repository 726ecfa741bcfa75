// `miracast-hil send`: the miniport sends messages (DxgkCbMiracastSendMessage) on a fresh context,
// answered by an attached agent or, with --responder, by the driver's kernel responder.
import { ntError } from '../ntstatus';
import type { SendMessageResult } from '../types';
import { ExitCode, UsageError, integerOption, parseCommandArgs, writeJson, writeLine, type CliCommand, type CliIo } from './command';
import { withDevice } from './open';
import { createProgress } from './progress';

export const send: CliCommand = {
  name: 'send',
  summary: 'send messages from the miniport to the user-mode side and print the callbacks\' results',
  usage: `usage: miracast-hil send [TEXT | --hex HEX] [--output-size N] [--count N] [--timeout-ms N] [--responder] [--json]

Creates a context, has the test miniport send TEXT (or the bytes HEX) COUNT times, prints each
DxgkCbMiracastSendMessageCallback result (status, information, output), and destroys the context.
Someone must answer: an agent attached elsewhere (a UMD stand-in), or --responder, which turns on
the driver's kernel responder (echo) for the run and off again afterwards.

Exit code: 0 every message was sent and its callback ran with a success status, 1 a send failed
or a callback reported an error status, 2 could not run (no driver, the Miracast target in use).`,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(args, {
      hex: { type: 'string' }, 'output-size': { type: 'string' }, count: { type: 'string' },
      'timeout-ms': { type: 'string' }, responder: { type: 'boolean' },
    }, true);
    if (positionals.length > 1) throw new UsageError('give one TEXT (quote it) or --hex');
    if (positionals.length === 1 && values.hex !== undefined) throw new UsageError('give TEXT or --hex, not both');
    if (values.hex !== undefined && !/^([0-9a-f]{2})*$/i.test(values.hex)) throw new UsageError('--hex must be pairs of hex digits');
    const input = values.hex !== undefined ? Buffer.from(values.hex, 'hex') : Buffer.from(positionals[0] ?? 'miracast-hil');
    const outputSize = integerOption(values['output-size'], 'output-size', 0, 1 << 20) ?? input.length;
    const count = integerOption(values.count, 'count', 1, 1_000_000) ?? 1;
    const timeoutMs = integerOption(values['timeout-ms'], 'timeout-ms', 1, 3_600_000) ?? 5_000;
    const json = values.json === true;

    return await withDevice(async (device) => {
      if (values.responder) await device.configureResponder({ enabled: true });
      const context = await device.createContext();
      const progress = createProgress(io, json);
      const results: SendMessageResult[] = [];
      try {
        for (let i = 0; i < count; i++) {
          results.push(await context.sendMessage(input, { outputSize, timeoutMs }));
          progress.update(`sent ${i + 1}/${count}`);
        }
      } finally {
        progress.done();
        await context.destroy();
        if (values.responder) await device.configureResponder({ enabled: false });
      }
      const failed = results.filter((r) => ntError(r.status)).length;
      if (json) {
        writeJson(io, { contextId: context.id, sent: results.length, failed,
          results: results.map((r) => ({ status: r.status, information: r.information, output: r.output.toString('hex') })) });
      } else {
        for (const r of results.slice(0, 20)) {
          writeLine(io, `status 0x${r.status.toString(16).padStart(8, '0')} information ${r.information} output ${JSON.stringify(r.output.toString('latin1'))}`);
        }
        if (results.length > 20) writeLine(io, `... ${results.length - 20} more`);
        writeLine(io, `${results.length} sent, ${failed} with an error status`);
      }
      return failed === 0 ? ExitCode.OK : ExitCode.FAILED;
    });
  },
};
