/** An in-process Weft runtime with the gRPC sidecar on a random port. */
import { GrpcSidecar, type GrpcSidecarOptions } from "../../src/api/grpc/sidecar.js";
import { WorkflowRuntime } from "../../src/index.js";
import type { WorkflowRuntimeOptions } from "../../src/sdk/runtime.js";

export interface SidecarFixture {
  runtime: WorkflowRuntime;
  sidecar: GrpcSidecar;
  address: string;
  close(): Promise<void>;
}

/** `register` adds in-process workflows and activities before the runtime starts; `extra` adds runtime options. */
export async function startSidecar(
  options: GrpcSidecarOptions = {},
  register: (runtime: WorkflowRuntime) => void = () => {},
  extra: Omit<WorkflowRuntimeOptions, "databasePath" | "remote"> = {},
): Promise<SidecarFixture> {
  const sidecar = new GrpcSidecar(options);
  const runtime = new WorkflowRuntime({ ...extra, databasePath: ":memory:", remote: sidecar.router });
  register(runtime);
  sidecar.attach(runtime);
  await runtime.start();
  const port = await sidecar.listen("127.0.0.1", 0);
  return {
    runtime,
    sidecar,
    address: `127.0.0.1:${port}`,
    close: async () => {
      await sidecar.close();
      await runtime.stop(1000);
    },
  };
}
