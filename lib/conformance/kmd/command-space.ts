// A miniport's own IoControl command space, as the fuzzer needs it: the header layout, the
// commands and the argument values worth sending. A vendor's payload format is private; a
// miniport that declares its space gets fuzzed inside it as well as with raw bytes. The test
// miniport declares its MP_IOCTL_HEADER commands (contract header).
import type { NativeConstants } from '../../binding';

/** Inclusive ranges a 32-bit argument may take. */
export type ArgRanges = readonly (readonly [number, number])[];

export interface CommandSpace {
  description: string;
  /** The header: a 32-bit command code at offset 0, then 32-bit arguments. */
  headerSize: number;
  commands: readonly { name: string; code: number; args: readonly ArgRanges[] }[];
  /**
   * Commands the miniport has that the fuzzer leaves out, each with why (e.g. a command whose job
   * is to break a rule on request). Their codes still count as known, never as "unknown".
   */
  notFuzzed: readonly { name: string; code: number; why: string }[];
  /** Output sizes the commands answer with: the fuzzer tries each, one less and one more. */
  outputSizes: readonly number[];
}

const any32: ArgRanges = [[0, 0xffffffff]];

/**
 * The test miniport's commands. Arguments are limited where a value would ask the miniport to
 * misbehave on purpose or to take long: REPORT_CHUNK's private size (nonzero breaks the DDI on
 * request), HOLD's milliseconds (valid values above 20 only wait), SEND_MESSAGES' count.
 * INDICATE is not fuzzed at all: it calls DxgkCbIndicateChildStatus with whatever it is given,
 * right or wrong, so that the host's child-status checks can be tested; every wrong report it
 * makes is a contract violation the caller asked for.
 */
export function testMiniportCommandSpace(constants: NativeConstants): CommandSpace {
  const { commands, headerSize, stateSize, sendResultSize } = constants.miniport;
  const maxHold = constants.limits.maxHoldMs;
  const args: Record<string, ArgRanges[]> = {
    ECHO: [any32, any32, any32],
    SEND_MESSAGES: [[[0, 16], [4097, 0xffffffff]], [[0, 300]], [[0, 0x20000]]],
    READ_STATE: [any32, any32, any32],
    MONITOR_ARRIVE: [any32, any32, any32],
    MONITOR_DEPART: [any32, any32, any32],
    REPORT_CHUNK: [any32, [[0, 0]], any32],
    HOLD: [[[0, 20], [maxHold + 1, 0xffffffff]], any32, any32],
  };
  const notFuzzed: Record<string, string> = {
    INDICATE: 'misreports the child status on request (it exists to test the host\'s checks)',
  };
  return {
    description: 'the test miniport\'s MP_IOCTL_HEADER commands',
    headerSize,
    commands: Object.entries(commands).filter(([name]) => !(name in notFuzzed))
      .map(([name, code]) => ({ name, code, args: args[name] ?? [any32, any32, any32] })),
    notFuzzed: Object.entries(commands).filter(([name]) => name in notFuzzed)
      .map(([name, code]) => ({ name, code, why: notFuzzed[name] })),
    outputSizes: [headerSize, stateSize, sendResultSize, 4],
  };
}
