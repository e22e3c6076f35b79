/**
 * Dapr's Configuration resource (`kind: Configuration`), from `--config <file>` or a `--resources-path` file: its
 * `spec.workflow` section sets Weft's limits and retention, with Dapr's field names. Weft reads nothing else of a
 * Configuration but accepts Dapr's other sections, so a Dapr app's file works unchanged; any other field, or a
 * bad value, fails startup with the file, the field and the reason.
 *
 * Weft's extensions: `maxPerSecond` on an `activityConcurrencyLimits` entry, a cluster-wide start rate, and
 * `stalledAfter`, how long a due turn may keep not running before the instance's `stalled` lifecycle event.
 */
import { readFile } from "node:fs/promises";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { WeftError } from "../core/errors.js";
import { parseGoDuration } from "./go-duration.js";

export interface NameLimit {
  name: string;
  /** At most this many run at once, cluster-wide. */
  maxConcurrent?: number;
  /** At most this many start per second, cluster-wide (activities only; a Weft extension). */
  maxPerSecond?: number;
}

/** How long a finished instance is kept before it is purged, in ms, by its final status. */
export interface RetentionPolicy {
  anyTerminal?: number;
  completed?: number;
  failed?: number;
  terminated?: number;
}

export interface WorkflowSettings {
  /** Per node: turns run at once (Dapr: per sidecar). */
  maxConcurrentWorkflowInvocations?: number;
  /** Per node: activities run at once. */
  maxConcurrentActivityInvocations?: number;
  /** Cluster-wide: turns run at once by all nodes together. */
  globalMaxConcurrentWorkflowInvocations?: number;
  globalMaxConcurrentActivityInvocations?: number;
  workflowConcurrencyLimits: NameLimit[];
  activityConcurrencyLimits: NameLimit[];
  stateRetentionPolicy?: RetentionPolicy;
  /** How long a due turn may keep not running before its instance is `stalled`, in ms (a Weft extension). */
  stalledAfter?: number;
  /** The file the settings came from, for messages. */
  file?: string;
}

export const NO_WORKFLOW_SETTINGS: WorkflowSettings = {
  workflowConcurrencyLimits: [],
  activityConcurrencyLimits: [],
};

const count = z
  .number({ error: (issue) => (issue.input === undefined ? "is required" : "must be a number") })
  .int("must be a whole number")
  .positive("must be at least 1");
const duration = z.string().transform((text, ctx) => {
  const ms = parseGoDuration(text.trim());
  if (ms === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `'${text}' is not a Go duration such as 30s, 15m, 24h or 1h30m`,
    });
    return z.NEVER;
  }
  return ms;
});
const workflowLimit = z
  .object({ name: z.string().min(1, "must name a workflow"), maxConcurrent: count })
  .strict();
const activityLimit = z
  .object({
    name: z.string().min(1, "must name an activity"),
    maxConcurrent: count.optional(),
    maxPerSecond: z.number().positive("must be above 0").optional(),
  })
  .strict()
  .refine((limit) => limit.maxConcurrent !== undefined || limit.maxPerSecond !== undefined, {
    message: "needs maxConcurrent or maxPerSecond",
  });

const workflowSchema = z
  .object({
    maxConcurrentWorkflowInvocations: count.optional(),
    maxConcurrentActivityInvocations: count.optional(),
    globalMaxConcurrentWorkflowInvocations: count.optional(),
    globalMaxConcurrentActivityInvocations: count.optional(),
    workflowConcurrencyLimits: z.array(workflowLimit).optional(),
    activityConcurrencyLimits: z.array(activityLimit).optional(),
    stateRetentionPolicy: z
      .object({
        anyTerminal: duration.optional(),
        completed: duration.optional(),
        failed: duration.optional(),
        terminated: duration.optional(),
      })
      .strict()
      .optional(),
    stalledAfter: duration.optional(),
  })
  .strict();

/** Dapr's other Configuration sections: accepted and ignored. */
const DAPR_SECTIONS = [
  "accessControl",
  "api",
  "appHttpPipeline",
  "components",
  "features",
  "httpPipeline",
  "logging",
  "metric",
  "metrics",
  "mtls",
  "nameResolution",
  "secrets",
  "tracing",
  "wasm",
] as const;

const configurationSchema = z
  .object({
    apiVersion: z.literal("dapr.io/v1alpha1"),
    kind: z.literal("Configuration"),
    metadata: z.object({ name: z.string().min(1), namespace: z.string().optional() }).passthrough(),
    spec: z
      .object({
        workflow: workflowSchema.optional(),
        ...Object.fromEntries(DAPR_SECTIONS.map((s) => [s, z.unknown().optional()])),
      })
      .strict()
      .optional(),
  })
  .strict();

/** Reads a Configuration file (`--config`); the file must hold exactly one Configuration. */
export async function loadConfigurationFile(path: string): Promise<WorkflowSettings> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new WeftError(
      "invalid_argument",
      `cannot read the configuration file '${path}': ${(error as Error).message}`,
    );
  }
  const docs = parseAllDocuments(text).filter((d) => d.errors.length > 0 || d.toJS() != null);
  if (docs.length !== 1) throw invalid(path, "", `expected one Configuration document, found ${docs.length}`);
  const doc = docs[0]!;
  if (doc.errors.length) throw invalid(path, "", doc.errors[0]!.message);
  return parseConfiguration(doc.toJS(), path);
}

/** Validates one Configuration document (from `--config` or a resources file). */
export function parseConfiguration(value: unknown, file: string): WorkflowSettings {
  const parsed = configurationSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join(".");
    const message =
      issue.code === "unrecognized_keys"
        ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}`
        : issue.message;
    throw invalid(file, field, message);
  }
  const workflow = parsed.data.spec?.workflow ?? {};
  const settings: WorkflowSettings = {
    ...NO_WORKFLOW_SETTINGS,
    ...workflow,
    workflowConcurrencyLimits: workflow.workflowConcurrencyLimits ?? [],
    activityConcurrencyLimits: workflow.activityConcurrencyLimits ?? [],
    file,
  };
  for (const field of ["workflowConcurrencyLimits", "activityConcurrencyLimits"] as const) {
    const seen = new Set<string>();
    settings[field].forEach((limit, index) => {
      if (seen.has(limit.name)) {
        throw invalid(file, `spec.workflow.${field}.${index}.name`, `'${limit.name}' is limited twice`);
      }
      seen.add(limit.name);
    });
  }
  return settings;
}

/**
 * The one set of settings from `--config` and the Configuration resources of `--resources-path`: at most one of
 * them may hold a `spec.workflow` section, so two files never silently disagree.
 */
export function combineSettings(sources: readonly WorkflowSettings[]): WorkflowSettings {
  const withWorkflow = sources.filter((s) => hasWorkflowSection(s));
  if (withWorkflow.length > 1) {
    throw new WeftError(
      "invalid_argument",
      `${withWorkflow[1]!.file}: spec.workflow: already set in ${withWorkflow[0]!.file}; keep one Configuration with a workflow section`,
    );
  }
  return withWorkflow[0] ?? NO_WORKFLOW_SETTINGS;
}

function hasWorkflowSection(s: WorkflowSettings): boolean {
  return Object.entries(s).some(([key, value]) =>
    key === "file" ? false : Array.isArray(value) ? value.length > 0 : value !== undefined,
  );
}

function invalid(file: string, field: string, message: string): WeftError {
  return new WeftError("invalid_argument", `${file}: ${field ? `${field}: ` : ""}${message}`);
}
