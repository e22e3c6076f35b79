/** Reading lifecycle events back in tests: from a JetStream stream, and from the SSE endpoint. */
import { connect } from "nats";
import type { EventRecord } from "../../src/components/cloud-event.js";

export interface LifecycleRecord extends EventRecord {
  data: { type: string; instanceId: string; workflowName: string; status: string };
  /** Where it was read from (JetStream only). */
  subject?: string;
}

/** Every message of a JetStream stream, in order, parsed as CloudEvents. */
export async function readStream(stream: string): Promise<LifecycleRecord[]> {
  const nc = await connect({ servers: "127.0.0.1:4222" });
  try {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(stream).catch(() => undefined);
    if (!info) return [];
    const records: LifecycleRecord[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const message = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
      if (message) {
        const record = JSON.parse(new TextDecoder().decode(message.data)) as LifecycleRecord;
        records.push({ ...record, subject: message.subject });
      }
    }
    return records;
  } finally {
    await nc.close();
  }
}

export async function deleteStream(stream: string): Promise<void> {
  const nc = await connect({ servers: "127.0.0.1:4222" });
  await (await nc.jetstreamManager()).streams.delete(stream).catch(() => false);
  await nc.close();
}

/** Opens an SSE stream and collects `{ id, record }` until `enough` says so or `timeoutMs` passes. */
export async function readEvents(
  url: string,
  enough: (events: { id: string; record: LifecycleRecord }[]) => boolean,
  headers: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<{ id: string; record: LifecycleRecord }[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const events: { id: string; record: LifecycleRecord }[] = [];
  try {
    const response = await fetch(url, { headers, signal: abort.signal });
    if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
    const reader = response.body!.getReader();
    let buffer = "";
    while (!enough(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += new TextDecoder().decode(value);
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const id = /^id: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (id && data) events.push({ id, record: JSON.parse(data) as LifecycleRecord });
      }
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return events;
}
