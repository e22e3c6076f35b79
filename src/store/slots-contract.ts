/** The conformance suite every ConcurrencySlots passes (slots.ts): order, release, expiry and rates. */
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { ConcurrencySlots } from "./slots.js";

export function runSlotsContract(
  name: string,
  newSlots: (ttlMs: number) => Promise<{ slots: ConcurrencySlots; cleanup?: () => Promise<void> }>,
): void {
  describe(`concurrency slots: ${name}`, () => {
    let slots: ConcurrencySlots;
    let cleanup: (() => Promise<void>) | undefined;
    const t = 1_000_000;
    beforeEach(async () => {
      ({ slots, cleanup } = await newSlots(5_000));
    });
    afterEach(async () => {
      await slots.close();
      await cleanup?.();
    });

    const granted = async (key: string, tickets: number[], max: number, now = t) => {
      const answers: boolean[] = [];
      for (const ticket of tickets) answers.push(await slots.isGranted(key, ticket, max, now));
      return answers;
    };

    test("the first max tickets of a key are granted, in arrival order, and a release lets the next in", async () => {
      const tickets: number[] = [];
      for (const holder of ["a", "b", "a", "c"]) tickets.push(await slots.enqueue("k", holder, t));
      expect(tickets).toEqual([...tickets].sort((x, y) => x - y));
      expect(await granted("k", tickets, 2)).toEqual([true, true, false, false]);
      await slots.release("k", tickets[1]!);
      expect(await granted("k", [tickets[2]!, tickets[3]!], 2)).toEqual([true, false]);
      // Keys are independent.
      const other = await slots.enqueue("other", "a", t);
      expect(await slots.isGranted("other", other, 1, t)).toBe(true);
    });

    test("a holder that stops renewing stops counting; renewing keeps its tickets", async () => {
      const dead = await slots.enqueue("k", "dead", t);
      const live = await slots.enqueue("k", "live", t);
      expect(await slots.isGranted("k", live, 1, t)).toBe(false);
      await slots.renew("live", t + 4_000);
      expect(await slots.isGranted("k", live, 1, t + 6_000)).toBe(true);
      const later = await slots.enqueue("k", "other", t + 6_000);
      expect(await slots.isGranted("k", later, 1, t + 8_000)).toBe(false);
      expect(dead).toBeLessThan(live);
    });

    test("a rate admits at most perSecond starts in any second", async () => {
      const taken: boolean[] = [];
      for (const at of [0, 100, 200, 900, 1_050, 1_150, 1_190, 1_250])
        taken.push(await slots.takeRate("r", 3, t + at));
      expect(taken).toEqual([true, true, true, false, true, true, false, true]);
      expect(await slots.takeRate("other", 1, t)).toBe(true);
    });
  });
}
