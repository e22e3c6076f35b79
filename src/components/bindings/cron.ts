/**
 * `bindings.cron`: starts a workflow on a schedule, durably. Each tick has a deterministic instance id
 * (`<component>-<UTC time>`, e.g. `nightly-20260101T000000Z`) and is started with `idReuse: "never"`, so however
 * many nodes run the schedule, the store lets exactly one start per tick. On start-up, if this trigger has fired
 * before (an instance of an earlier tick exists) and the latest due tick has not fired, that tick fires once:
 * a node that was down across ticks catches up with one run, not one per missed tick.
 */
import { CronExpressionParser } from "cron-parser";
import { WeftError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { InstanceManagement } from "../../engine/management.js";
import { sleep } from "../brokers/broker.js";
import type { EventRecord } from "../cloud-event.js";
import { dispatch, isPermanentFailure } from "../dispatch.js";
import { parseDuration } from "../metadata.js";
import type { WorkflowRoute } from "../route.js";
import { toInstanceId } from "../template.js";

export const CRON_EVENT_TYPE = "weft.cron.tick";

/** Tick times in epoch milliseconds (whole seconds, UTC). */
export interface Schedule {
  /** The latest tick at or before `time`, if the schedule has one. */
  latestAtOrBefore(time: number): number | undefined;
  /** The first tick strictly after `time`, if any. */
  nextAfter(time: number): number | undefined;
}

/**
 * Dapr's cron binding schedules: cron expressions with 5 or 6 fields (seconds first), `@daily`-style shortcuts,
 * and `@every <duration>` (ticks aligned to the Unix epoch, so every node computes the same ones). UTC.
 */
export function parseSchedule(text: string): Schedule {
  const every = text.trim().match(/^@every\s+(\S+)$/);
  if (every) {
    const period = parseDuration(every[1]!);
    if (period === undefined || period < 1000 || period % 1000 !== 0)
      throw new Error(`'${every[1]}' is not a duration of whole seconds (at least 1s)`);
    return {
      latestAtOrBefore: (time) => Math.floor(time / period) * period,
      nextAfter: (time) => (Math.floor(time / period) + 1) * period,
    };
  }
  const at = (time: number) => CronExpressionParser.parse(text, { currentDate: new Date(time), tz: "UTC" });
  at(Date.now()); // throws on a bad expression
  return {
    latestAtOrBefore: (time) => {
      const expression = at(Math.floor(time / 1000) * 1000 + 1);
      return expression.hasPrev() ? expression.prev().getTime() : undefined;
    },
    nextAfter: (time) => {
      const expression = at(time);
      return expression.hasNext() ? expression.next().getTime() : undefined;
    },
  };
}

/** `20260101T000000Z`: sortable, and within Dapr's instance-id alphabet. */
export function tickStamp(time: number): string {
  return new Date(time)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
}

export interface CronTriggerOptions {
  name: string;
  schedule: Schedule;
  route: Extract<WorkflowRoute, { action: "start" }>;
  service: InstanceManagement;
  logger: Logger;
  clock?: () => number;
}

/** Timers longer than this are re-armed, so a far tick never overflows setTimeout. */
const MAX_SLEEP_MS = 3_600_000;

export class CronTrigger {
  readonly #options: CronTriggerOptions;
  readonly #clock: () => number;
  readonly #stop = new AbortController();
  readonly #prefix: string;
  #loop: Promise<void> | undefined;

  constructor(options: CronTriggerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.#prefix = `${toInstanceId(options.name)}-`;
  }

  /** The instance id of the tick at `time`. */
  instanceIdOf(time: number): string {
    return `${this.#prefix}${tickStamp(time)}`;
  }

  async start(): Promise<void> {
    await this.catchUp(this.#clock());
    this.#loop = this.#run();
  }

  async close(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  /** Fires the latest tick at or before `now` if it was missed; returns its time, or undefined. */
  async catchUp(now: number): Promise<number | undefined> {
    const due = this.#options.schedule.latestAtOrBefore(now);
    if (due === undefined || (await this.#options.service.get(this.instanceIdOf(due)))) return undefined;
    // A tick's id is the prefix and its time: any such instance tells that a tick ever fired.
    const started = await this.#options.service.list({ idPrefix: this.#prefix, limit: 100 });
    const firedBefore = started.some((s) => /^\d{8}T\d{6}Z$/.test(s.instanceId.slice(this.#prefix.length)));
    if (!firedBefore) return undefined;
    this.#options.logger.info(
      { trigger: this.#options.name, tick: tickStamp(due) },
      "cron: firing a missed tick",
    );
    await this.fire(due);
    return due;
  }

  /** Starts the workflow for the tick at `time`, retrying until stored; a second start of a tick is a no-op. */
  async fire(time: number): Promise<void> {
    const { name, route, service, logger } = this.#options;
    const event = tickEvent(name, time);
    for (let attempt = 0; !this.#stop.signal.aborted; attempt++) {
      try {
        const outcome = await dispatch({ service, triggerName: name }, route, event);
        logger.debug({ trigger: name, tick: event.id, outcome }, "cron tick");
        return;
      } catch (error) {
        if (isPermanentFailure(error)) {
          logger.error({ trigger: name, tick: event.id, err: error }, "cron tick cannot start its workflow");
          return;
        }
        logger.warn({ trigger: name, tick: event.id, err: error }, "cron tick failed; retrying");
        await sleep(Math.min(100 * 2 ** attempt, 10_000), this.#stop.signal);
      }
    }
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    let next = this.#options.schedule.nextAfter(this.#clock());
    while (next !== undefined && !signal.aborted) {
      const wait = next - this.#clock();
      if (wait > 0) {
        await sleep(Math.min(wait, MAX_SLEEP_MS), signal);
        continue;
      }
      await this.fire(next);
      next = this.#options.schedule.nextAfter(Math.max(next, this.#clock()));
    }
  }
}

function tickEvent(name: string, time: number): EventRecord {
  const iso = new Date(time).toISOString();
  return {
    specversion: "1.0",
    id: tickStamp(time),
    source: name,
    type: CRON_EVENT_TYPE,
    time: iso,
    datacontenttype: "application/json",
    data: { scheduledTime: iso },
  };
}

/** The check the plan makes: a cron component's name must leave room for the tick stamp in an instance id. */
export function assertCronName(name: string): void {
  const stamp = tickStamp(0);
  if (toInstanceId(`${name}-${stamp}`) !== `${toInstanceId(name)}-${stamp}`)
    throw new WeftError("invalid_argument", "a cron component name must be at most 47 characters");
}
