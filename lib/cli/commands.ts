// Every command of the `miracast-hil` command line, in the order `--help` lists them.
// To add one: write lib/cli/NAME.ts exporting a CliCommand (see command.ts), import it here and
// add it to the list. That is the whole registration.
import type { CliCommand } from './command';
import { doctor } from './doctor';
import { driver } from './driver';
import { caps } from './caps';
import { stats } from './stats';
import { trace } from './trace';
import { send } from './send';
import { fault } from './fault';
import { conformance } from './conformance';
import { stress } from './stress';

export const commands: readonly CliCommand[] = [
  doctor,
  driver,
  caps,
  stats,
  trace,
  send,
  fault,
  conformance,
  stress,
];
