/** The workflows and activities registered in this process, by name. */
import { WeftError } from "../core/errors.js";
import type { Activity, Workflow } from "../core/replay/types.js";

type AnyWorkflow = Workflow<never, unknown>;
type AnyActivity = Activity<never, unknown>;
type AnyFunction = (...args: never[]) => unknown;

export class Registry {
  readonly #workflows = new Map<string, AnyWorkflow>();
  readonly #activities = new Map<string, AnyActivity>();
  readonly #names = new Map<AnyFunction, string>();

  addWorkflow(name: string, workflow: AnyWorkflow): void {
    this.#add(this.#workflows, "workflow", name, workflow);
  }

  addActivity(name: string, activity: AnyActivity): void {
    this.#add(this.#activities, "activity", name, activity);
  }

  workflow(name: string): AnyWorkflow | undefined {
    return this.#workflows.get(name);
  }

  activity(name: string): AnyActivity | undefined {
    return this.#activities.get(name);
  }

  get workflowNames(): string[] {
    return [...this.#workflows.keys()];
  }

  get activityNames(): string[] {
    return [...this.#activities.keys()];
  }

  /** The name a function was registered under, else its own name. */
  nameOf = (fn: AnyFunction): string => this.#names.get(fn) ?? fn.name;

  #add<T extends AnyFunction>(map: Map<string, T>, kind: string, name: string, fn: T): void {
    if (!name) throw new WeftError("invalid_argument", `the ${kind} has no name: use register*WithName`);
    if (typeof fn !== "function")
      throw new WeftError("invalid_argument", `the ${kind} '${name}' is not a function`);
    const existing = map.get(name);
    if (existing && existing !== fn)
      throw new WeftError("already_exists", `another ${kind} is registered as '${name}'`);
    map.set(name, fn);
    if (!this.#names.has(fn)) this.#names.set(fn, name);
  }
}

/** The name of a registered function, from its own `name`, or an error naming the fix. */
export function functionName(fn: AnyFunction, kind: string): string {
  if (!fn.name)
    throw new WeftError("invalid_argument", `an anonymous ${kind} needs a name: use register${kind}WithName`);
  return fn.name;
}
