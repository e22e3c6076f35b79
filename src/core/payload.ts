/** Payloads are JSON text. Text that is not JSON (a raw HTTP body, say) reaches the code as the string it is. */
export function decodePayload(text: string | undefined): unknown {
  if (text === undefined || text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function encodePayload(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return JSON.stringify(value);
}
