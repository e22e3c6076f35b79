/**
 * One instance: its state (Dapr's GET), its history as a timeline and as a list (both virtualised), and the
 * operator actions, each one call of the public API behind a confirmation.
 */
import { useMemo, useState } from "preact/hooks";
import { api, type HistoryEvent, type Instance, TERMINAL } from "../api.js";
import { formatDuration, formatTime, prettyPayload, shortPayload } from "../parts/format.js";
import { usePoll } from "../parts/poll.js";
import { buildSpans, type Span } from "../parts/timeline.js";
import { VirtualList } from "../parts/virtual-list.js";
import { Dialog, ErrorNote, StatusBadge } from "../parts/widgets.js";

type Action = "raise" | "suspend" | "resume" | "terminate" | "purge" | "rerun";

/** A step a rerun can start from: an activity, timer or child workflow, by the event id that scheduled it. */
interface Step {
  eventId: number;
  label: string;
}

export function InstancePage({ id }: { id: string }) {
  const [instance, setInstance] = useState<Instance>();
  const [events, setEvents] = useState<HistoryEvent[]>([]);
  const [error, setError] = useState<unknown>();
  const [purged, setPurged] = useState(false);
  const [action, setAction] = useState<Action>();
  const [seen, setSeen] = useState<string>();
  const [rerunFrom, setRerunFrom] = useState<number>();
  const steps = useMemo(() => rerunSteps(events), [events]);

  const load = async () => {
    try {
      const next = await api.get(id);
      setInstance(next);
      setError(undefined);
      // The history only changes when the instance does.
      const version = `${next.lastUpdatedAt}|${next.runtimeStatus}`;
      if (version !== seen) {
        const history = await api.history(id);
        setEvents(history.events);
        setSeen(version);
      }
    } catch (failure) {
      setError(failure);
      throw failure;
    }
  };
  const done = instance !== undefined && TERMINAL.has(instance.runtimeStatus) && seen !== undefined;
  usePoll(load, 2000, [id, seen], !done && !purged);

  if (purged) {
    return (
      <section>
        <h1 class="mono">{id}</h1>
        <p role="status">
          Purged. <a href="#/instances">Back to instances</a>
        </p>
      </section>
    );
  }
  if (!instance) {
    return (
      <section>
        <h1 class="mono">{id}</h1>
        <ErrorNote error={error} />
        {!error && <p class="muted">Loading…</p>}
      </section>
    );
  }
  const status = instance.runtimeStatus;
  const terminal = TERMINAL.has(status);
  return (
    <section aria-labelledby="instance-title">
      <p class="crumbs">
        <a href="#/instances">Instances</a> /
      </p>
      <div class="title-row">
        <h1 id="instance-title" class="mono">
          {instance.instanceID}
        </h1>
        <StatusBadge status={status} />
      </div>
      <div class="actions" role="toolbar" aria-label="Instance actions">
        <button type="button" disabled={terminal} onClick={() => setAction("raise")}>
          Raise event
        </button>
        <button
          type="button"
          disabled={terminal || status === "SUSPENDED"}
          onClick={() => setAction("suspend")}
        >
          Suspend
        </button>
        <button type="button" disabled={status !== "SUSPENDED"} onClick={() => setAction("resume")}>
          Resume
        </button>
        <button type="button" class="danger" disabled={terminal} onClick={() => setAction("terminate")}>
          Terminate
        </button>
        <button type="button" class="danger" disabled={!terminal} onClick={() => setAction("purge")}>
          Purge
        </button>
        <button
          type="button"
          disabled={!terminal || isChild(events) || steps.length === 0}
          title="Finished top-level instances with at least one activity, timer or child workflow"
          onClick={() => {
            setRerunFrom(undefined);
            setAction("rerun");
          }}
        >
          Rerun…
        </button>
      </div>
      <ErrorNote error={error} />
      {action && (
        <ActionDialog
          id={id}
          action={action}
          steps={steps}
          initialStep={rerunFrom}
          onClose={() => setAction(undefined)}
          onDone={(newId) => {
            setAction(undefined);
            if (action === "rerun" && newId) location.hash = `#/instances/${encodeURIComponent(newId)}`;
            else if (action === "purge") setPurged(true);
            else {
              setSeen(undefined);
              void load().catch(() => {});
            }
          }}
        />
      )}
      <Details instance={instance} events={events} />
      <History
        events={events}
        workflowEnd={terminal ? Date.parse(instance.lastUpdatedAt) : undefined}
        onRerun={
          terminal && !isChild(events)
            ? (eventId) => {
                setRerunFrom(eventId);
                setAction("rerun");
              }
            : undefined
        }
      />
    </section>
  );
}

function Details({ instance, events }: { instance: Instance; events: HistoryEvent[] }) {
  const p = instance.properties;
  const started = events.find((e) => e.type === "ExecutionStarted");
  const parent = (started?.parent as { instanceId?: string } | undefined)?.instanceId;
  const children = events
    .filter((e) => e.type === "ChildWorkflowInstanceCreated")
    .map((e) => ({ id: String(e.instanceId), name: String(e.name) }));
  const end = TERMINAL.has(instance.runtimeStatus) ? Date.parse(instance.lastUpdatedAt) : Date.now();
  const failure = p["dapr.workflow.failure.error_type"] !== undefined;
  const link = (child: string) => `#/instances/${encodeURIComponent(child)}`;
  return (
    <div class="details">
      <dl class="facts">
        <dt>Workflow</dt>
        <dd>{instance.workflowName}</dd>
        <dt>Created</dt>
        <dd>{formatTime(instance.createdAt)}</dd>
        <dt>Updated</dt>
        <dd>{formatTime(instance.lastUpdatedAt)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(end - Date.parse(instance.createdAt))}</dd>
        <dt>Parent</dt>
        <dd>{parent ? <a href={link(parent)}>{parent}</a> : <span class="muted">none</span>}</dd>
        <dt>Children</dt>
        <dd>
          {children.length === 0 && <span class="muted">none</span>}
          {children.map((c) => (
            <span key={c.id} class="chip">
              <a href={link(c.id)}>{c.id}</a> ({c.name})
            </span>
          ))}
        </dd>
        <dt>Metadata</dt>
        <dd>
          {Object.keys(instance.metadata ?? {}).length === 0 && <span class="muted">none</span>}
          {Object.entries(instance.metadata ?? {}).map(([k, v]) => (
            <span class="chip" key={k}>
              {k}={v}
            </span>
          ))}
        </dd>
      </dl>
      <div class="payloads">
        <Payload title="Input" text={p["dapr.workflow.input"]} />
        <Payload title="Output" text={p["dapr.workflow.output"]} />
        <Payload title="Custom status" text={p["dapr.workflow.custom_status"]} />
        {failure && (
          <section class="failure" aria-labelledby="failure-title">
            <h2 id="failure-title">Failure</h2>
            <p>
              <strong>{p["dapr.workflow.failure.error_type"]}</strong>:{" "}
              {p["dapr.workflow.failure.error_message"]}
            </p>
            {p["dapr.workflow.failure.stack_trace"] && (
              <pre class="stack">{p["dapr.workflow.failure.stack_trace"]}</pre>
            )}
          </section>
        )}
      </div>
    </div>
  );
}

function Payload({ title, text }: { title: string; text: string | undefined }) {
  return (
    <section class="payload">
      <h2>{title}</h2>
      {text === undefined ? <p class="muted">none</p> : <pre>{prettyPayload(text)}</pre>}
    </section>
  );
}

const ROW = 28;

function History({
  events,
  workflowEnd,
  onRerun,
}: {
  events: HistoryEvent[];
  workflowEnd: number | undefined;
  onRerun: ((eventId: number) => void) | undefined;
}) {
  const [view, setView] = useState<"timeline" | "events">("timeline");
  const [selectedSpan, setSelectedSpan] = useState<number>();
  const [selectedEvent, setSelectedEvent] = useState<number>();
  const spans = useMemo(() => buildSpans(events), [events]);
  const now = Date.now();
  const t0 = spans[0]?.start ?? now;
  const t1 = Math.max(t0 + 1, workflowEnd ?? now, ...spans.slice(0, 1).map((s) => s.end ?? now));
  const span = selectedSpan !== undefined ? spans[selectedSpan] : undefined;
  const event = selectedEvent !== undefined ? events[selectedEvent] : undefined;

  return (
    <section class="history" aria-labelledby="history-title">
      <div class="title-row">
        <h2 id="history-title">History</h2>
        <span class="muted small">
          {events.length} events, {spans.length} steps
        </span>
        <div class="tabs" role="tablist" aria-label="History views">
          <button
            type="button"
            role="tab"
            aria-selected={view === "timeline"}
            onClick={() => setView("timeline")}
          >
            Timeline
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={view === "events"}
            onClick={() => setView("events")}
          >
            Events
          </button>
        </div>
      </div>
      <div class="history-body">
        {view === "timeline" ? (
          <VirtualList
            id="timeline"
            label="Timeline: activities, timers, child workflows and events"
            count={spans.length}
            rowHeight={ROW}
            height={420}
            selected={selectedSpan}
            onSelect={setSelectedSpan}
            row={(i) => <SpanRow span={spans[i]!} t0={t0} t1={t1} now={now} />}
          />
        ) : (
          <VirtualList
            id="events"
            label="History events"
            count={events.length}
            rowHeight={ROW}
            height={420}
            selected={selectedEvent}
            onSelect={setSelectedEvent}
            row={(i) => <EventRow event={events[i]!} index={i} />}
          />
        )}
        <aside class="inspector" aria-label="Selected step" aria-live="polite">
          {view === "timeline" && span && <SpanDetails span={span} onRerun={onRerun} />}
          {view === "events" && event && <EventDetails event={event} />}
          {((view === "timeline" && !span) || (view === "events" && !event)) && (
            <p class="muted">Select a row (click, or arrow keys) to see its payloads.</p>
          )}
        </aside>
      </div>
    </section>
  );
}

function SpanRow({ span, t0, t1, now }: { span: Span; t0: number; t1: number; now: number }) {
  const width = t1 - t0;
  const end = span.end ?? span.due ?? now;
  const left = ((span.start - t0) / width) * 100;
  const right = ((Math.min(end, t1) - t0) / width) * 100;
  const label = `${span.label}${span.attempt && span.attempt > 1 ? ` · attempt ${span.attempt}` : ""}`;
  return (
    <>
      <span class={`vlabel kind-${span.kind}`} title={label}>
        {label}
      </span>
      <span class="track" aria-hidden="true">
        <span
          class={`bar state-${span.state} kind-${span.kind}`}
          style={{ left: `${Math.max(0, left)}%`, width: `max(3px, ${Math.max(0, right - left)}%)` }}
        />
      </span>
      <span class="vdur small muted">
        {span.state === "point"
          ? ""
          : span.end !== undefined
            ? formatDuration(span.end - span.start)
            : "running"}
      </span>
    </>
  );
}

function EventRow({ event, index }: { event: HistoryEvent; index: number }) {
  return (
    <>
      <span class="vnum small muted">{index}</span>
      <span class="vtype">{event.type}</span>
      <span class="vsummary small">{summary(event)}</span>
      <span class="vtime small muted">{formatTime(event.timestamp)}</span>
    </>
  );
}

function summary(event: HistoryEvent): string {
  const name = typeof event.name === "string" ? event.name : "";
  const payload = (["input", "result"] as const).map((k) => event[k]).find((v) => typeof v === "string") as
    | string
    | undefined;
  const failure = event.failure as { errorType?: string; message?: string } | undefined;
  if (failure) return `${name} ${failure.errorType}: ${failure.message}`.trim();
  return `${name} ${shortPayload(payload, 80)}`.trim();
}

function SpanDetails({ span, onRerun }: { span: Span; onRerun: ((eventId: number) => void) | undefined }) {
  const first = span.events[0];
  const rerunnable = onRerun && first && RERUNNABLE.has(first.type);
  return (
    <div>
      <h3>
        {span.label}
        {span.attempt && span.attempt > 1 ? ` (attempt ${span.attempt})` : ""}
      </h3>
      {rerunnable && (
        <button type="button" class="secondary" onClick={() => onRerun(first.eventId)}>
          Rerun from this step…
        </button>
      )}
      {span.childId && (
        <p>
          Child instance: <a href={`#/instances/${encodeURIComponent(span.childId)}`}>{span.childId}</a>
        </p>
      )}
      <p class="small muted">
        {formatTime(new Date(span.start).toISOString())}
        {span.end !== undefined && span.state !== "point"
          ? ` · took ${formatDuration(span.end - span.start)}`
          : ""}
        {span.end === undefined && span.due !== undefined
          ? ` · due ${formatTime(new Date(span.due).toISOString())}`
          : ""}
      </p>
      {span.events.map((e) => (
        <EventDetails key={`${e.type}-${e.eventId}-${e.timestamp}`} event={e} />
      ))}
    </div>
  );
}

function EventDetails({ event }: { event: HistoryEvent }) {
  const { type, eventId, timestamp, ...rest } = event;
  const fields = Object.entries(rest);
  return (
    <div class="event-details">
      <h4>
        {type}{" "}
        <span class="muted small">
          #{eventId} · {formatTime(timestamp)}
        </span>
      </h4>
      <dl>
        {fields.map(([key, value]) => (
          <div key={key}>
            <dt>{key}</dt>
            <dd>
              <pre>{typeof value === "string" ? prettyPayload(value) : JSON.stringify(value, null, 2)}</pre>
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

function ActionDialog(props: {
  id: string;
  action: Action;
  steps: Step[];
  initialStep: number | undefined;
  onClose: () => void;
  onDone: (newId?: string) => void;
}) {
  const { id, action } = props;
  const [name, setName] = useState("");
  const [json, setJson] = useState("");
  const [step, setStep] = useState(props.initialStep ?? props.steps[0]?.eventId ?? 0);
  const [newId, setNewId] = useState("");
  const [replaceInput, setReplaceInput] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const jsonError = json.trim() ? jsonProblem(json) : undefined;

  const run = async () => {
    if (jsonError) return;
    setBusy(true);
    setError(undefined);
    try {
      if (action === "raise") await api.raise(id, name.trim(), json.trim());
      if (action === "suspend") await api.suspend(id);
      if (action === "resume") await api.resume(id);
      if (action === "terminate") await api.terminate(id, json.trim());
      if (action === "purge") await api.purge(id);
      if (action === "rerun") {
        const body: { fromEvent: number; newInstanceID?: string; input?: unknown } = { fromEvent: step };
        if (newId.trim()) body.newInstanceID = newId.trim();
        if (replaceInput) body.input = json.trim() ? JSON.parse(json) : null;
        const started = await api.rerun(id, body);
        props.onDone(started.instanceID);
        return;
      }
      props.onDone();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const titles: Record<Action, [string, string]> = {
    raise: ["Raise an event", "Raise event"],
    suspend: ["Suspend this instance?", "Suspend"],
    resume: ["Resume this instance?", "Resume"],
    terminate: ["Terminate this instance and its children?", "Terminate"],
    purge: ["Purge this instance and its children? Its state and history are deleted.", "Purge"],
    rerun: ["Rerun as a new instance from a step", "Rerun"],
  };
  const [title, confirm] = titles[action];
  const editor = (label: string) => (
    <>
      <label for="payload">{label}</label>
      <textarea
        id="payload"
        rows={8}
        spellcheck={false}
        class="mono"
        value={json}
        aria-invalid={jsonError ? "true" : undefined}
        aria-describedby="payload-help"
        onInput={(e) => setJson(e.currentTarget.value)}
      />
      <p id="payload-help" class={jsonError ? "error small" : "muted small"}>
        {jsonError ?? "JSON; leave empty for no payload."}
      </p>
    </>
  );
  return (
    <Dialog
      title={title}
      confirm={confirm}
      danger={action === "terminate" || action === "purge"}
      busy={busy || Boolean(jsonError) || (action === "raise" && !name.trim())}
      error={error}
      onConfirm={() => void run()}
      onClose={props.onClose}
    >
      <p class="mono small">{id}</p>
      {action === "raise" && (
        <>
          <label for="event-name">Event name</label>
          <input id="event-name" value={name} required onInput={(e) => setName(e.currentTarget.value)} />
          {editor("Event data")}
        </>
      )}
      {action === "terminate" && editor("Output (saved as the instance's output)")}
      {action === "rerun" && (
        <>
          <p class="small muted">
            The new instance keeps this one's history up to the step and runs the step (and whatever was
            unfinished) again.
          </p>
          <label for="rerun-step">From step</label>
          <select
            id="rerun-step"
            value={String(step)}
            onChange={(e) => setStep(Number(e.currentTarget.value))}
          >
            {props.steps.map((s) => (
              <option key={s.eventId} value={String(s.eventId)}>
                {s.label}
              </option>
            ))}
          </select>
          <label for="rerun-id">New instance id (empty: a random one)</label>
          <input id="rerun-id" class="mono" value={newId} onInput={(e) => setNewId(e.currentTarget.value)} />
          <label class="check">
            <input
              type="checkbox"
              checked={replaceInput}
              onChange={(e) => setReplaceInput(e.currentTarget.checked)}
            />
            Replace the step's input
          </label>
          {replaceInput && editor("New input for the step")}
        </>
      )}
    </Dialog>
  );
}

function jsonProblem(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    return `Not valid JSON: ${(error as Error).message}`;
  }
}

const RERUNNABLE = new Set(["TaskScheduled", "TimerCreated", "ChildWorkflowInstanceCreated"]);

function rerunSteps(events: readonly HistoryEvent[]): Step[] {
  return events
    .filter((e) => RERUNNABLE.has(e.type))
    .map((e) => {
      const what =
        e.type === "TaskScheduled"
          ? `activity ${String(e.name)}`
          : e.type === "TimerCreated"
            ? "timer"
            : `child workflow ${String(e.name)}`;
      return { eventId: e.eventId, label: `#${e.eventId} ${what} · ${formatTime(e.timestamp)}` };
    });
}

/** A child workflow cannot be rerun on its own (its parent would not hear of the new run). */
function isChild(events: readonly HistoryEvent[]): boolean {
  return events.some((e) => e.type === "ExecutionStarted" && e.parent !== undefined);
}
