import type { FailureDetails } from "../failure.js";
import type { RetryPolicy } from "./types.js";

/**
 * The wait before the next attempt, or undefined when the call should fail now.
 * `attempts` is how many attempts have run; `elapsedMs` is workflow time since the first one started.
 */
export function retryDelay(
  policy: RetryPolicy,
  attempts: number,
  failure: FailureDetails,
  elapsedMs: number,
): number | undefined {
  if (attempts >= policy.maxNumberOfAttempts) return undefined;
  if (failure.nonRetriable) return undefined;
  if (policy.handle && !policy.handle(failure)) return undefined;
  const coefficient = policy.backoffCoefficient ?? 1;
  let delay = policy.firstRetryIntervalInMilliseconds * coefficient ** (attempts - 1);
  if (policy.maxRetryIntervalInMilliseconds !== undefined)
    delay = Math.min(delay, policy.maxRetryIntervalInMilliseconds);
  if (
    policy.retryTimeoutInMilliseconds !== undefined &&
    elapsedMs + delay > policy.retryTimeoutInMilliseconds
  ) {
    return undefined;
  }
  return Math.max(0, Math.round(delay));
}
