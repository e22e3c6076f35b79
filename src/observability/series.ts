/**
 * Counters and histograms for the engine's hot path, registered in a prom-client Registry (which formats them).
 * prom-client's own hash the label values on every `inc`/`observe`, even through `labels()` children: measured
 * at about 8 us per W2 step for the four facts of a step, a third of the step itself. Here a series is resolved
 * once and recording is a few array writes; the cumulative buckets are computed when scraped.
 */
import type { Registry } from "prom-client";

type Labels = Record<string, string>;

interface Value {
  metricName?: string;
  labels: Labels;
  value: number;
}

abstract class Family<S> {
  readonly name: string;
  readonly help: string;
  abstract readonly type: "counter" | "histogram";
  readonly aggregator = "sum" as const;
  protected readonly series = new Map<string, { labels: Labels; state: S }>();

  constructor(registry: Registry, name: string, help: string) {
    this.name = name;
    this.help = help;
    registry.registerMetric(this as never);
  }

  /** The series of these labels; `key` identifies them (the caller builds it once per distinct label set). */
  protected resolve(key: string, labels: Labels, create: () => S): S {
    let found = this.series.get(key);
    if (!found) {
      found = { labels, state: create() };
      this.series.set(key, found);
    }
    return found.state;
  }

  abstract get(): { name: string; help: string; type: string; values: Value[]; aggregator: "sum" };

  reset(): void {
    this.series.clear();
  }
}

export interface CounterSeries {
  value: number;
}

export class FastCounter extends Family<CounterSeries> {
  readonly type = "counter" as const;

  of(key: string, labels: Labels): CounterSeries {
    return this.resolve(key, labels, () => ({ value: 0 }));
  }

  get() {
    const values = [...this.series.values()].map(({ labels, state }) => ({ labels, value: state.value }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

export class HistogramSeries {
  readonly #bounds: readonly number[];
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

export class FastHistogram extends Family<HistogramSeries> {
  readonly type = "histogram" as const;
  readonly #bounds: readonly number[];

  constructor(registry: Registry, name: string, help: string, bounds: readonly number[]) {
    super(registry, name, help);
    this.#bounds = bounds;
  }

  of(key: string, labels: Labels): HistogramSeries {
    return this.resolve(key, labels, () => new HistogramSeries(this.#bounds));
  }

  get() {
    const values: Value[] = [];
    for (const { labels, state } of this.series.values()) {
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += state.counts[i]!;
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...labels, le: String(le) },
          value: cumulative,
        });
      });
      values.push({
        metricName: `${this.name}_bucket`,
        labels: { ...labels, le: "+Inf" },
        value: state.count,
      });
      values.push({ metricName: `${this.name}_sum`, labels, value: state.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: state.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
