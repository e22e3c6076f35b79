import { expect, test } from "vitest";
import { InboxMirror } from "./inbox-mirror.js";

const row = (id: number, visibleAt = 0) => ({
  id,
  execution_id: null,
  visible_at: visibleAt,
  event: `{"n":${id}}`,
});

test("rows written in this process are served in arrival order, those not yet visible held back", () => {
  const mirror = new InboxMirror();
  expect(mirror.visible("a", 10)).toEqual([]);
  mirror.add("a", row(1));
  mirror.add("a", row(2, 50));
  mirror.add("a", row(3));
  expect(mirror.visible("a", 10)!.map((r) => r.id)).toEqual([1, 3]);
  expect(mirror.visible("a", 50)!.map((r) => r.id)).toEqual([1, 2, 3]);
  mirror.remove("a", [1, 3]);
  expect(mirror.visible("a", 50)!.map((r) => r.id)).toEqual([2]);
  mirror.remove("a", [2]);
  expect(mirror.has("a")).toBe(false);
});

test("rows the database held at open send the instance to the database until they are consumed", () => {
  const mirror = new InboxMirror();
  expect(mirror.isComplete("a")).toBe(true);
  mirror.addUnknown("a", 2);
  mirror.add("a", row(9));
  expect(mirror.isComplete("a")).toBe(false);
  expect(mirror.visible("a", 10)).toBeUndefined();
  // A turn read rows 4, 5 and 9 from the database and consumed them: 4 and 5 were the unknown ones.
  mirror.remove("a", [4, 5, 9]);
  expect(mirror.isComplete("a")).toBe(true);
  expect(mirror.visible("a", 10)).toEqual([]);
  expect(mirror.has("a")).toBe(false);
  mirror.addUnknown("b", 1);
  mirror.clear("b");
  expect(mirror.visible("b", 10)).toEqual([]);
});
