// npm run stress, inside the lane's Windows Node: the CLI's stress command on this process's stdio.
import cli from '../dist/cli/stress.js';

const code = await cli.run(process.argv.slice(2), process);
process.exitCode = code;
// Everything the campaign opened is closed by now; if something still holds the event loop, say
// so and end anyway rather than hang a CI job.
setTimeout(() => {
  process.stderr.write('stress: something kept the process alive after the campaign ended\n');
  process.exit(code || 1);
}, 10_000).unref();
