// `miracast-hil stats`: the driver's counters.
import { ExitCode, parseCommandArgs, writeJson, writeLine, type CliCommand, type CliIo } from './command';
import { withDevice } from './open';

export const stats: CliCommand = {
  name: 'stats',
  summary: 'the driver\'s counters: allocations, contexts, messages, callbacks, IRPs',
  usage: `usage: miracast-hil stats [--json]

The driver's counters (IOCTL_MH_GET_STATS; MH_STATS_FIELDS in the contract header says what each
counts). They are the driver's since it started, this command's own handle included.
Exit code: 0 ok, 2 could not run (no driver).`,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(args, {});
    const counters = await withDevice((device) => device.stats());
    if (values.json) {
      writeJson(io, counters);
    } else {
      const width = Math.max(...Object.keys(counters).map((k) => k.length));
      for (const [name, value] of Object.entries(counters)) writeLine(io, `${name.padEnd(width)}  ${value}`);
    }
    return ExitCode.OK;
  },
};
