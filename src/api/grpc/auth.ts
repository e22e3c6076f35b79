/**
 * `DAPR_API_TOKEN`: when a token is configured, every call (work-item streams included) must carry it in the
 * `dapr-api-token` metadata, or it fails with UNAUTHENTICATED before any handler runs, as with Dapr.
 */
import { timingSafeEqual } from "node:crypto";
import { type Metadata, ServerInterceptingCall, type ServerInterceptor, status } from "@grpc/grpc-js";

export const API_TOKEN_METADATA = "dapr-api-token";

export function apiTokenInterceptor(token: string): ServerInterceptor {
  const expected = Buffer.from(token);
  const accepts = (metadata: Metadata): boolean => {
    const [given] = metadata.get(API_TOKEN_METADATA);
    if (given === undefined) return false;
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  };
  return (_method, call) =>
    new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, proceed) => {
            if (accepts(metadata)) proceed(metadata);
            else
              call.sendStatus({
                code: status.UNAUTHENTICATED,
                details: `missing or wrong '${API_TOKEN_METADATA}' metadata`,
              });
          },
        }),
    });
}
