/**
 * A worker process for the gRPC bench: one SDK worker running the 10-step workflow against a sidecar, until
 * SIGTERM. Prints `worker ready` once its stream is open.
 *
 *   node --import tsx bench/grpc-worker.ts <dapr|durabletask-js> <host:port>
 */
import { type GrpcSdk, silenceSdkChatter, startWorker } from "./grpc-apps.js";

const [sdk, address] = process.argv.slice(2) as [GrpcSdk, string];
const log = console.log;
silenceSdkChatter();
const worker = await startWorker(sdk, address);
process.once("SIGTERM", () => {
  void worker.stop().then(() => process.exit(0));
});
log("worker ready");
