// One worker of the worker-termination storm (started by worker-storm.ts): leaves
// workerData.requests sends in flight, says so, and waits to be terminated.
import { parentPort, workerData } from 'node:worker_threads';
import { fillWithRequests } from './holder';

fillWithRequests(Number((workerData as { requests: number }).requests)).then(
  ({ inFlight }) => parentPort!.postMessage({ ready: true, inFlight }),
  (error: unknown) => parentPort!.postMessage({ error: String(error) }),
);
