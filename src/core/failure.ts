/** Why a task, child workflow or workflow failed; carried in history and returned to clients. */
export interface FailureDetails {
  errorType: string;
  message: string;
  stackTrace?: string;
  innerFailure?: FailureDetails;
  /** The failing code marked the error as not worth retrying. */
  nonRetriable?: boolean;
}

/** Converts anything thrown by user code into FailureDetails without losing the type name or stack. */
export function toFailureDetails(error: unknown): FailureDetails {
  if (error instanceof Error) {
    const details: FailureDetails = {
      errorType: errorTypeName(error),
      message: error.message,
    };
    if (error.stack) details.stackTrace = error.stack;
    const cause = (error as { cause?: unknown }).cause;
    if (cause !== undefined) details.innerFailure = toFailureDetails(cause);
    if ((error as { nonRetriable?: unknown }).nonRetriable === true) details.nonRetriable = true;
    return details;
  }
  return {
    errorType: typeof error === "object" && error !== null ? "Object" : typeof error,
    message: String(error),
  };
}

function errorTypeName(error: Error): string {
  // A subclass that does not set `name` still has its constructor's name, which is what users expect to see.
  if (error.name && error.name !== "Error") return error.name;
  return error.constructor?.name || "Error";
}
