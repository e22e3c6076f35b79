/**
 * Dapr-format resource files (`--resources-path`): every `.yaml`/`.yml` file, each possibly holding several
 * documents. Validated with clear errors that name the file and the field.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { WeftError } from "../core/errors.js";

const metadataItem = z.object({
  name: z.string().min(1),
  value: z.unknown().optional(),
  secretKeyRef: z.object({ name: z.string().min(1), key: z.string().optional() }).optional(),
});

const componentSchema = z.object({
  apiVersion: z.literal("dapr.io/v1alpha1"),
  kind: z.literal("Component"),
  metadata: z.object({ name: z.string().min(1), namespace: z.string().optional() }),
  spec: z.object({
    type: z
      .string()
      .regex(/^[a-z0-9]+\.[A-Za-z0-9._-]+$/, "must look like '<kind>.<type>', e.g. pubsub.redis"),
    version: z.string().optional(),
    metadata: z.array(metadataItem).optional(),
  }),
  scopes: z.array(z.string()).optional(),
});

const subscriptionSchema = z.object({
  apiVersion: z.enum(["dapr.io/v1alpha1", "dapr.io/v2alpha1"]),
  kind: z.literal("Subscription"),
  metadata: z.object({ name: z.string().min(1), namespace: z.string().optional() }),
  spec: z
    .object({
      pubsubname: z.string().min(1),
      topic: z.string().min(1),
      deadLetterTopic: z.string().min(1).optional(),
      metadata: z
        .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
        .optional(),
    })
    .strict(),
  scopes: z.array(z.string()).optional(),
});

const genericSchema = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.object({ name: z.string().min(1) }),
  spec: z.record(z.string(), z.unknown()),
});

export interface ComponentResource {
  name: string;
  /** E.g. `pubsub.redis`, `bindings.cron`, `workflow.dapr`. */
  type: string;
  version?: string;
  /** Metadata values, with `secretKeyRef`s resolved from environment variables. */
  metadata: Record<string, string>;
  file: string;
}

/** A declarative subscription; Weft routes its messages to a workflow named in `metadata`. */
export interface SubscriptionResource {
  name: string;
  pubsubName: string;
  topic: string;
  deadLetterTopic?: string;
  /** `spec.metadata`: Weft's routing keys (see docs/components.md). */
  metadata: Record<string, string>;
  file: string;
}

/** Any other kind (Configuration, Resiliency, ...): kept raw for the module that understands it. */
export interface OtherResource {
  kind: string;
  apiVersion: string;
  name: string;
  spec: Record<string, unknown>;
  file: string;
}

export interface Resources {
  components: ComponentResource[];
  subscriptions: SubscriptionResource[];
  others: OtherResource[];
}

export async function loadResources(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<Resources> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => /\.ya?ml$/i.test(f)).sort();
  } catch (error) {
    throw new WeftError(
      "invalid_argument",
      `cannot read resources path '${dir}': ${(error as Error).message}`,
    );
  }
  const resources: Resources = { components: [], subscriptions: [], others: [] };
  const names = new Map<string, string>();
  const subscriptionNames = new Map<string, string>();
  for (const file of files) {
    const path = join(dir, file);
    const docs = parseAllDocuments(await readFile(path, "utf8"));
    for (const doc of docs) {
      if (doc.errors.length) throw invalid(path, "", doc.errors[0]!.message);
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) continue;
      const generic = genericSchema.safeParse(value);
      if (!generic.success) throw fromZod(path, generic.error);
      if (generic.data.kind === "Subscription") {
        const subscription = parseSubscription(value, path);
        const previous = subscriptionNames.get(subscription.name);
        if (previous)
          throw invalid(
            path,
            "metadata.name",
            `subscription '${subscription.name}' is already defined in ${previous}`,
          );
        subscriptionNames.set(subscription.name, path);
        resources.subscriptions.push(subscription);
        continue;
      }
      if (generic.data.kind !== "Component") {
        const { kind, apiVersion, metadata, spec } = generic.data;
        resources.others.push({ kind, apiVersion, name: metadata.name, spec, file: path });
        continue;
      }
      const parsed = componentSchema.safeParse(value);
      if (!parsed.success) throw fromZod(path, parsed.error);
      const { metadata, spec } = parsed.data;
      const previous = names.get(metadata.name);
      if (previous)
        throw invalid(
          path,
          "metadata.name",
          `component '${metadata.name}' is already defined in ${previous}`,
        );
      names.set(metadata.name, path);
      const values: Record<string, string> = {};
      (spec.metadata ?? []).forEach((item, index) => {
        values[item.name] = metadataValue(item, env, path, `spec.metadata[${index}]`);
      });
      resources.components.push({
        name: metadata.name,
        type: spec.type,
        version: spec.version,
        metadata: values,
        file: path,
      });
    }
  }
  return resources;
}

function parseSubscription(value: unknown, file: string): SubscriptionResource {
  const spec = (value as { spec?: Record<string, unknown> }).spec ?? {};
  // Dapr delivers to app routes; Weft delivers to workflows, so a route would silently go nowhere.
  for (const field of ["route", "routes"]) {
    if (field in spec)
      throw invalid(
        file,
        `spec.${field}`,
        "Weft delivers messages to workflows, not app routes: remove it and set spec.metadata.workflowName " +
          "(see docs/components.md)",
      );
  }
  const parsed = subscriptionSchema.safeParse(value);
  if (!parsed.success) throw fromZod(file, parsed.error);
  const { metadata, spec: s } = parsed.data;
  return {
    name: metadata.name,
    pubsubName: s.pubsubname,
    topic: s.topic,
    ...(s.deadLetterTopic ? { deadLetterTopic: s.deadLetterTopic } : {}),
    metadata: s.metadata ?? {},
    file,
  };
}

function metadataValue(
  item: z.infer<typeof metadataItem>,
  env: NodeJS.ProcessEnv,
  file: string,
  field: string,
): string {
  if (item.secretKeyRef) {
    // Weft's secret store is the environment: `secretKeyRef.name` names the variable.
    const secret = env[item.secretKeyRef.name];
    if (secret === undefined) {
      throw invalid(
        file,
        `${field}.secretKeyRef.name`,
        `environment variable '${item.secretKeyRef.name}' is not set`,
      );
    }
    return secret;
  }
  if (item.value === undefined || item.value === null) return "";
  return typeof item.value === "string" ? item.value : JSON.stringify(item.value);
}

function fromZod(file: string, error: z.ZodError): WeftError {
  const issue = error.issues[0]!;
  return invalid(file, issue.path.join("."), issue.message);
}

function invalid(file: string, field: string, message: string): WeftError {
  return new WeftError("invalid_argument", `${file}: ${field ? `${field}: ` : ""}${message}`);
}
