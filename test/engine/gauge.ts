/** Counts, from inside the work, how many run at once, the most seen, and the order and times they started in. */
export class Gauge {
  now = 0;
  max = 0;
  readonly started: number[] = [];
  readonly times: number[] = [];

  async run<T>(n: number, ms: number, value: T, also?: Gauge): Promise<T> {
    this.enter(n);
    also?.enter(n);
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.now--;
    if (also) also.now--;
    return value;
  }

  enter(n: number): void {
    this.started.push(n);
    this.times.push(Date.now());
    this.now++;
    this.max = Math.max(this.max, this.now);
  }
}
