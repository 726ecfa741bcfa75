// `miracast-hil driver install|uninstall|start|stop|status`: the harness driver as a demand-start
// kernel service (a non-PnP service install, as docs/install.md describes). On Windows through
// the service control manager, after checking elevation and, for install and start, test signing;
// inside the Wine lane's Windows Node the same sc.exe calls reach Wine's service manager. On
// Linux the verbs drive the Wine lane (scripts/wine-lane.sh, in a checkout of the repository).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { native, packageRoot } from '../binding';
import { CouldNotRunError, ExitCode, UsageError, parseCommandArgs, writeJson, writeLine, type CliCommand, type CliIo } from './command';
import { createProgress } from './progress';
import { queryService, runWineLane, sc, waitForState, wineLaneScript, type ServiceStatus } from './service';

const verbs = ['install', 'uninstall', 'start', 'stop', 'status'] as const;
type Verb = (typeof verbs)[number];

const serviceName = 'MiracastHil';
const stateTimeoutMs = 30_000;

/** The .sys to install: --sys, else one shipped in prebuilds/, else a checkout's build. */
function findDriverImage(given: string | undefined): string {
  if (given !== undefined) {
    if (!fs.existsSync(given)) throw new CouldNotRunError(`--sys ${given} does not exist`);
    return path.resolve(given);
  }
  const candidates = [
    path.join(packageRoot, 'prebuilds', `win32-${process.arch}`, `${serviceName}.sys`),
    path.join(packageRoot, 'build', 'driver', `${serviceName}.sys`),
  ];
  const found = candidates.find((file) => fs.existsSync(file));
  if (!found) {
    throw new CouldNotRunError(`no ${serviceName}.sys found (looked in ${candidates.join(', ')}): build it with the WDK ` +
      'and test-sign it (docs/install.md), or take the test-signed artifact of the Windows CI, and pass --sys PATH');
  }
  return found;
}

/** Elevation (always) and test signing (to load a test-signed image); throws CouldNotRunError with what to do. */
function checkPrerequisites(verb: Verb, io: CliIo): void {
  const info = native().systemInfo();
  if (info.elevated.value === false) {
    throw new CouldNotRunError(`driver ${verb} needs an elevated prompt: open a terminal with "Run as administrator" and run it again`);
  }
  if ((verb === 'install' || verb === 'start') && info.wine === null) {
    if (info.testSigning.value === false) {
      throw new CouldNotRunError('test signing is off, so Windows will not load the test-signed harness driver: run ' +
        '`bcdedit /set testsigning on` elevated (Secure Boot must be off), reboot, and run this again (docs/install.md)');
    }
    if (info.testSigning.value === null) io.stderr.write(`miracast-hil: test signing unknown (${info.testSigning.reason}); trying anyway\n`);
  }
}

async function startAndWait(io: CliIo, json: boolean): Promise<ServiceStatus> {
  const progress = createProgress(io, json);
  const started = await sc(['start', serviceName]);
  // 1056: already running.
  if (started.code !== 0 && !/\b1056\b/.test(started.output)) {
    progress.done();
    throw new CouldNotRunError(`sc start ${serviceName} failed: ${started.output.trim()} (1275: the image is blocked, ` +
      'e.g. not test-signed or test signing off; 577: signature not valid; 2: the image file is missing)');
  }
  const status = await waitForState(serviceName, 'running', stateTimeoutMs, (s) => progress.update(`${serviceName}: ${s.replace('_', ' ')}`));
  progress.done();
  return status;
}

async function stopAndWait(io: CliIo, json: boolean): Promise<ServiceStatus> {
  const progress = createProgress(io, json);
  const stopped = await sc(['stop', serviceName]);
  // 1062: not started.
  if (stopped.code !== 0 && !/\b1062\b/.test(stopped.output)) {
    progress.done();
    throw new CouldNotRunError(`sc stop ${serviceName} failed: ${stopped.output.trim()}`);
  }
  const status = await waitForState(serviceName, 'stopped', stateTimeoutMs, (s) => progress.update(`${serviceName}: ${s.replace('_', ' ')}`));
  progress.done();
  return status;
}

async function windowsVerb(verb: Verb, sys: string | undefined, io: CliIo, json: boolean): Promise<ServiceStatus> {
  if (verb === 'status') return await queryService(serviceName);
  checkPrerequisites(verb, io);
  const current = await queryService(serviceName);
  switch (verb) {
    case 'start':
      if (current.state === 'not_installed') throw new CouldNotRunError(`${serviceName} is not installed: miracast-hil driver install`);
      return await startAndWait(io, json);
    case 'stop':
      if (current.state === 'not_installed') return current;
      return await stopAndWait(io, json);
    case 'install': {
      const image = findDriverImage(sys);
      if (current.state !== 'not_installed' && current.state !== 'stopped') await stopAndWait(io, json);
      const target = path.join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'drivers', `${serviceName}.sys`);
      if (path.resolve(image).toLowerCase() !== target.toLowerCase()) fs.copyFileSync(image, target);
      if (current.state === 'not_installed') {
        const created = await sc(['create', serviceName, 'type=', 'kernel', 'start=', 'demand', 'error=', 'normal',
          'binPath=', `System32\\drivers\\${serviceName}.sys`, 'DisplayName=', 'Miracast HIL harness driver']);
        if (created.code !== 0) throw new CouldNotRunError(`sc create ${serviceName} failed: ${created.output.trim()}`);
      }
      return await startAndWait(io, json);
    }
    case 'uninstall': {
      if (current.state === 'not_installed') return current;
      if (current.state !== 'stopped') await stopAndWait(io, json);
      const deleted = await sc(['delete', serviceName]);
      if (deleted.code !== 0) throw new CouldNotRunError(`sc delete ${serviceName} failed: ${deleted.output.trim()}`);
      const target = path.join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'drivers', `${serviceName}.sys`);
      fs.rmSync(target, { force: true });
      return await queryService(serviceName);
    }
  }
  throw new UsageError(`unknown verb ${verb as string}`);
}

/** What each verb must leave behind for exit code 0. */
const wanted: Record<Verb, ServiceStatus['state'] | undefined> = {
  install: 'running', start: 'running', stop: 'stopped', uninstall: 'not_installed', status: 'running',
};

export const driver: CliCommand = {
  name: 'driver',
  summary: 'install, uninstall, start, stop the harness driver, or show its status',
  usage: `usage: miracast-hil driver install|uninstall|start|stop|status [--sys PATH] [--json]

  install     copy the driver image to System32\\drivers, create the ${serviceName} kernel service
              (demand start) and start it; --sys PATH names the image (default: the package's
              prebuilds/win32-<arch>/${serviceName}.sys)
  uninstall   stop and delete the service, remove the image
  start|stop  start or stop the service, waiting until it is running or stopped
  status      the service's state and image

On Windows these use the service control manager and need an elevated prompt; install and start
check that test signing is on (docs/install.md). On Linux they drive the Wine lane of a checkout
(scripts/wine-lane.sh): install/start start it, uninstall/stop stop it.

Exit code: 0 the service is in the state the verb asks for (status: running), 1 it is not,
2 could not run (not elevated, test signing off, no image, sc failed).`,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(args, { sys: { type: 'string' } }, true);
    const verb = positionals[0] as Verb | undefined;
    if (verb === undefined || !verbs.includes(verb) || positionals.length > 1) {
      throw new UsageError(verb === undefined ? 'which verb? install, uninstall, start, stop or status' : `unknown verb: ${positionals.join(' ')}`);
    }
    const json = values.json === true;
    if (process.platform !== 'win32') {
      const script = wineLaneScript();
      if (script === undefined) {
        throw new CouldNotRunError('on Linux the driver runs in the Wine lane, which needs a checkout of the repository ' +
          '(scripts/wine-lane.sh); on Windows run this command there');
      }
      const laneVerb = verb === 'install' ? 'start' : verb === 'uninstall' ? 'stop' : verb;
      const code = await runWineLane(script, laneVerb, json ? { stdout: io.stderr, stderr: io.stderr } : io);
      if (json) writeJson(io, { service: serviceName, lane: 'wine', verb, ok: code === 0 });
      return code === 0 ? ExitCode.OK : verb === 'status' ? ExitCode.FAILED : ExitCode.COULD_NOT_RUN;
    }
    const status = await windowsVerb(verb, values.sys, io, json);
    if (json) {
      writeJson(io, status);
    } else {
      writeLine(io, `${status.service}: ${status.state.replace('_', ' ')}${status.binaryPath ? ` (${status.binaryPath})` : ''}`);
    }
    return status.state === wanted[verb] ? ExitCode.OK : ExitCode.FAILED;
  },
};
