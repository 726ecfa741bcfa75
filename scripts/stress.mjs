// npm run stress, inside the lane's Windows Node: `miracast-hil stress` on this process's stdio.
import cli from '../dist/cli/index.js';

const code = await cli.runCli(['stress', ...process.argv.slice(2)], { stdout: process.stdout, stderr: process.stderr, env: process.env });
process.exitCode = code;
// Everything the campaign opened is closed by now; if something still holds the event loop, say
// so and end anyway rather than hang a CI job.
setTimeout(() => {
  process.stderr.write('stress: something kept the process alive after the campaign ended\n');
  process.exit(code || 1);
}, 10_000).unref();
