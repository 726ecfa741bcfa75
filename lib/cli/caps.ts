// `miracast-hil caps`: DxgkDdiMiracastQueryCaps of the hosted miniport, and the driver's contract.
import { ExitCode, parseCommandArgs, writeJson, writeLine, type CliCommand, type CliIo } from './command';
import { withDevice } from './open';

export const caps: CliCommand = {
  name: 'caps',
  summary: 'the hosted miniport\'s Miracast caps and the driver\'s contract version and limits',
  usage: `usage: miracast-hil caps [--json]

DxgkDdiMiracastQueryCaps (MaxChunkPrivateDriverDataSize, HdcpSupport) and the driver's contract
version and limits. Exit code: 0 ok, 1 the query failed, 2 could not run (no driver).`,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(args, {});
    const { queried, info } = await withDevice(async (device) => ({ queried: await device.queryCaps(), info: await device.info() }));
    if (values.json) {
      writeJson(io, { caps: queried, driver: info });
    } else {
      writeLine(io, `maxChunkPrivateDriverDataSize  ${queried.maxChunkPrivateDriverDataSize}`);
      writeLine(io, `hdcpSupport                    ${queried.hdcpSupport}`);
      writeLine(io, `flags                          0x${queried.flags.toString(16)}`);
      writeLine(io, `contract                       ${info.contractVersion >>> 16}.${info.contractVersion & 0xffff}`);
      writeLine(io, `maxMessageBytes                ${info.maxMessageBytes}`);
      writeLine(io, `maxIoControlBytes              ${info.maxIoControlBytes}`);
      writeLine(io, `maxTargets                     ${info.maxTargets}`);
    }
    return ExitCode.OK;
  },
};
