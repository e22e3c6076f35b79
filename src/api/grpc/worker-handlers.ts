/** The worker RPCs: Hello, the GetWorkItems stream, and the calls that hand results back. */
import type { ServerWritableStream, UntypedServiceImplementation } from "@grpc/grpc-js";
import { WeftError } from "../../core/errors.js";
import { quote } from "../../core/input-rules.js";
import type { Logger } from "../../core/logger.js";
import type { OutgoingWorkItem } from "./encoded-work.js";
import { quickUnary, unary } from "./unary.js";
import { undecodableStatus } from "./undecodable.js";
import type { WireActivityResponse, WireOrchestratorResponse } from "./wire.js";
import type { WorkStreams } from "./work-streams.js";

export function workerHandlers(streams: WorkStreams, logger: Logger): UntypedServiceImplementation {
  const completeTurn = quickUnary(logger, async (response: WireOrchestratorResponse, { peer }) => {
    if (!streams.completeTurn(peer, response)) {
      throw new WeftError(
        "not_found",
        `no workflow turn of ${quote(response.instanceId ?? "")} is out on this worker`,
      );
    }
    return {};
  });
  return {
    Hello: unary(logger, async () => ({})),

    GetWorkItems: (call: ServerWritableStream<unknown, OutgoingWorkItem>) => {
      const undecodable = undecodableStatus(call.request);
      if (undecodable) {
        call.emit("error", undecodable);
        return;
      }
      const stream = streams.open(call.getPeer(), (item) => call.write(item));
      logger.info({ peer: stream.peer, streams: streams.streamCount }, "a worker connected");
      let open = true;
      const close = () => {
        if (!open) return;
        open = false;
        streams.close(stream);
        logger.info({ peer: stream.peer, streams: streams.streamCount }, "a worker disconnected");
      };
      call.on("cancelled", close);
      call.on("close", close);
      call.on("error", close);
    },

    CompleteActivityTask: quickUnary(logger, async (response: WireActivityResponse, { peer }) => {
      if (!streams.completeActivity(peer, response)) {
        throw new WeftError(
          "not_found",
          `no activity ${response.taskId ?? 0} of ${quote(response.instanceId ?? "")} is out on this worker`,
        );
      }
      return {};
    }),

    CompleteOrchestratorTask: completeTurn,
    CompleteWorkflowTask: completeTurn,
  };
}
