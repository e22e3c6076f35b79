/** Instance ids are letters, digits, `_` and `-`, at most 64 characters, as Dapr requires. */
export const INSTANCE_ID_PATTERN = /^[\p{L}\p{N}_-]{1,64}$/u;

/** Durable Task's formula for a child's default id, so children keep the ids Dapr's SDKs give them. */
export function childInstanceId(parentInstanceId: string, actionId: number): string {
  return `${parentInstanceId}:${actionId.toString(16).padStart(4, "0")}`;
}
