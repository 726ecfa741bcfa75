// `miracast-hil fault`: arm a fault (the OS side misbehaving on purpose), list the kinds, or
// disarm them all. Faults are the driver's, not this process's: they stay armed after the command
// ends, until their count or duration runs out or `fault reset`.
import { faultKindNames, type FaultKind, type FaultSpec } from '../faults';
import { ExitCode, UsageError, integerOption, parseCommandArgs, writeJson, writeLine, type CliCommand, type CliIo } from './command';
import { withDevice } from './open';
import { contract } from '../contract';

export const fault: CliCommand = {
  name: 'fault',
  summary: 'arm a fault in the driver, list the fault kinds, or reset them',
  usage: `usage: miracast-hil fault KIND [--count N] [--duration-ms N] [--status 0xC...] [--delay-ms N] [--batch N] [--stage beforeMiniport|afterMiniport] [--json]
       miracast-hil fault reset
       miracast-hil fault list

KIND is one of: ${Object.keys(faultKindNames).join(', ')}.
Every fault needs a scope: --count (operations), --duration-ms, or both. The fault stays armed
in the driver after this command ends, until its scope runs out or \`fault reset\`.
Exit code: 0 ok, 1 the driver refused it, 2 could not run (bad arguments, no driver).`,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(args, {
      count: { type: 'string' }, 'duration-ms': { type: 'string' }, status: { type: 'string' },
      'delay-ms': { type: 'string' }, batch: { type: 'string' }, stage: { type: 'string' },
    }, true);
    const [what, ...rest] = positionals;
    if (what === undefined || rest.length > 0) throw new UsageError('give one KIND, or reset, or list');
    if (what === 'list') {
      const kinds = Object.entries(faultKindNames).map(([kind, name]) => ({ kind, description: contract.faultDescriptions[name] }));
      if (values.json) writeJson(io, kinds);
      else for (const k of kinds) writeLine(io, `${k.kind.padEnd(20)} ${k.description ?? ''}`);
      return ExitCode.OK;
    }
    if (what === 'reset') {
      await withDevice((device) => device.resetFaults());
      if (values.json) writeJson(io, { reset: true });
      else writeLine(io, 'every fault disarmed');
      return ExitCode.OK;
    }
    if (!(what in faultKindNames)) throw new UsageError(`unknown fault kind ${what}: one of ${Object.keys(faultKindNames).join(', ')}`);
    const spec = {
      kind: what as FaultKind,
      count: integerOption(values.count, 'count', 0, 0xffffffff),
      durationMs: integerOption(values['duration-ms'], 'duration-ms', 0, 0xffffffff),
      status: integerOption(values.status, 'status', 0, 0xffffffff),
      delayMs: integerOption(values['delay-ms'], 'delay-ms', 0, 0xffffffff),
      batch: integerOption(values.batch, 'batch', 0, 0xffffffff),
      stage: values.stage,
    } as FaultSpec & Record<string, unknown>;
    for (const key of Object.keys(spec)) if (spec[key] === undefined) delete spec[key];
    try {
      await withDevice((device) => device.injectFault(spec));
    } catch (error) {
      // The library checks the fault before it reaches the driver: that is a usage error here.
      if (error instanceof TypeError || error instanceof RangeError) throw new UsageError(error.message);
      throw error;
    }
    if (values.json) writeJson(io, { armed: spec });
    else writeLine(io, `armed: ${JSON.stringify(spec)}`);
    return ExitCode.OK;
  },
};
