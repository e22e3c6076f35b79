import { describe, expect, test } from "vitest";
import {
  checkInstanceId,
  checkMetadata,
  checkName,
  checkNewInstanceId,
  checkPayload,
  checkTime,
  InvalidInputError,
  payloadDepth,
  quote,
} from "./input-rules.js";

const ruleOf = (fn: () => unknown) => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as InvalidInputError).rule;
  }
};

describe("instance ids", () => {
  test("new ids: Dapr's rule", () => {
    expect(checkNewInstanceId("Größe_1-ü")).toBe("Größe_1-ü");
    expect(ruleOf(() => checkNewInstanceId(""))).toBe("instance_id_missing");
    expect(ruleOf(() => checkNewInstanceId(undefined))).toBe("instance_id_missing");
    expect(ruleOf(() => checkNewInstanceId("a".repeat(65)))).toBe("instance_id_too_long");
    expect(ruleOf(() => checkNewInstanceId("a:b"))).toBe("instance_id_invalid");
  });

  test("ids that address instances also take child ids, up to 256 characters", () => {
    expect(checkInstanceId(`${"p".repeat(64)}:0001:000a`)).toMatch(/:000a$/);
    expect(ruleOf(() => checkInstanceId("a".repeat(257)))).toBe("instance_id_too_long");
    expect(ruleOf(() => checkInstanceId("a/b"))).toBe("instance_id_invalid");
  });
});

test("names: 1-256 characters, no control characters or unpaired surrogates", () => {
  expect(checkName("event", "approval_event")).toBe("approval_event");
  expect(ruleOf(() => checkName("event", ""))).toBe("name_missing");
  expect(ruleOf(() => checkName("workflow", "x".repeat(257)))).toBe("name_invalid");
  for (const bad of ["a\u0000", "\n", "\u009f", "\ud800x"])
    expect(ruleOf(() => checkName("activity", bad))).toBe("name_invalid");
  expect(checkName("event", "😀")).toBe("😀");
});

test("payload depth counts brackets outside strings, escapes included", () => {
  expect(payloadDepth('{"a":[1,{"b":"[[[\\"[["}]}')).toBe(3);
  expect(payloadDepth("not json ]]] [")).toBe(1);
  expect(checkPayload(`${"[".repeat(100)}${"]".repeat(100)}`)).toHaveLength(200);
  expect(ruleOf(() => checkPayload("[".repeat(101)))).toBe("payload_too_deep");
  expect(checkPayload(undefined)).toBeUndefined();
});

test("times: years 1 to 9999", () => {
  expect(checkTime(0, "t")).toBe(0);
  expect(checkTime(253402300799999, "t")).toBe(253402300799999);
  for (const bad of [253402300800000, -62135596800001, Number.NaN, Number.POSITIVE_INFINITY]) {
    expect(ruleOf(() => checkTime(bad, "t"))).toBe("time_out_of_range");
  }
});

test("metadata: no prototype, no silent drop", () => {
  const metadata = checkMetadata([["constructor", "c"]]);
  expect(Object.getPrototypeOf(metadata)).toBeNull();
  expect({ ...metadata }).toEqual({ constructor: "c" });
  expect(ruleOf(() => checkMetadata([["__proto__", "x"]]))).toBe("metadata_invalid");
  expect(
    ruleOf(() =>
      checkMetadata([
        ["a", "1"],
        ["a", "2"],
      ]),
    ),
  ).toBe("metadata_invalid");
  expect(ruleOf(() => checkMetadata(Array.from({ length: 65 }, (_, i) => [`k${i}`, "v"] as const)))).toBe(
    "metadata_invalid",
  );
});

test("quote: at most 40 characters of the value", () => {
  expect(quote("short")).toBe("'short'");
  expect(quote("z".repeat(1000))).toBe(`'${"z".repeat(40)}…' (1000 characters)`);
  expect(quote(`${"z".repeat(39)}${"😀".repeat(10)}`)).toBe(`'${"z".repeat(39)}…' (59 characters)`);
  expect(new InvalidInputError("name_missing", "m")).toMatchObject({ code: "invalid_argument" });
});
