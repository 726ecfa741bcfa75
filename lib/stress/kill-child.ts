// One process of the kill storm (forked by kill-storm.ts): leaves `argv[2]` sends in flight,
// says so, and waits to be killed.
import { fillWithRequests } from './holder';

fillWithRequests(Number(process.argv[2])).then(
  ({ inFlight }) => process.send!({ ready: true, inFlight }),
  (error: unknown) => {
    process.send!({ error: String(error) });
    process.exitCode = 1;
    process.disconnect();
  },
);
