/**
 * Bulk operations by filter: terminate, suspend, resume or purge every instance a listing filter matches. They
 * walk the matches page by page (keyset paging, so acting on a page never shifts the next) and act on each
 * instance the operation applies to, one call per instance through the management service. Each call is a no-op
 * when repeated (a second terminate or suspend is dropped or ignored, a purged instance is skipped), so running
 * the same operation again after a crash finishes the job. A dry run only counts.
 */
import { isWeftError } from "../core/errors.js";
import type { RuntimeStatus } from "../core/history.js";
import type { InstanceFilter } from "../store/store.js";
import type { InstanceManagement } from "./management.js";

export type BulkOperation = "terminate" | "suspend" | "resume" | "purge";

export const BULK_OPERATIONS: readonly BulkOperation[] = ["terminate", "suspend", "resume", "purge"];

/** The statuses each operation applies to: other matches are left alone (and not counted). */
const APPLIES_TO: Record<BulkOperation, readonly RuntimeStatus[]> = {
  terminate: ["PENDING", "RUNNING", "SUSPENDED"],
  suspend: ["PENDING", "RUNNING"],
  resume: ["SUSPENDED"],
  purge: ["COMPLETED", "FAILED", "TERMINATED"],
};

export interface BulkOptions {
  dryRun?: boolean;
  /** Instances listed per page. */
  batchSize?: number;
  /** terminate: the output; suspend/resume: the reason. */
  reason?: string;
}

export interface BulkResult {
  operation: BulkOperation;
  dryRun: boolean;
  /** Instances the filter matched that the operation applies to. */
  matched: number;
  /**
   * Instances it acted on (0 in a dry run). Terminates and purges are recursive: a purge counts the children it
   * deleted, and a child the filter matched that went with its parent is not counted again.
   */
  affected: number;
}

export async function runBulk(
  service: InstanceManagement,
  operation: BulkOperation,
  filter: InstanceFilter,
  options: BulkOptions = {},
): Promise<BulkResult> {
  const applies = APPLIES_TO[operation];
  const statuses = filter.statuses ? filter.statuses.filter((s) => applies.includes(s)) : [...applies];
  const result: BulkResult = { operation, dryRun: options.dryRun === true, matched: 0, affected: 0 };
  if (statuses.length === 0) return result;
  const limit = options.batchSize ?? 500;
  let after = filter.after;
  for (;;) {
    const page = await service.list({ ...filter, statuses, after, limit });
    for (const instance of page) {
      result.matched++;
      if (!result.dryRun)
        result.affected += await act(service, operation, instance.instanceId, options.reason);
    }
    if (page.length < limit) return result;
    const last = page.at(-1)!;
    after = { createdAt: last.createdAt, instanceId: last.instanceId };
  }
}

async function act(
  service: InstanceManagement,
  operation: BulkOperation,
  instanceId: string,
  reason: string | undefined,
): Promise<number> {
  try {
    switch (operation) {
      case "terminate":
        await service.terminate(instanceId, reason);
        return 1;
      case "suspend":
        await service.suspend(instanceId, reason);
        return 1;
      case "resume":
        await service.resume(instanceId, reason);
        return 1;
      case "purge":
        return await service.purge(instanceId, true);
    }
  } catch (error) {
    // Gone meanwhile (purged with a parent, by another node) or no longer applicable: nothing to do.
    if (isWeftError(error, "not_found") || isWeftError(error, "failed_precondition")) return 0;
    throw error;
  }
}
