/**
 * Instances: the filterable, paged list of `GET /weft/v1/instances`. Filters live in the page's hash, so a view
 * can be bookmarked or shared (the token never is); pages go forward by the answer's continuationToken.
 */
import { useMemo, useState } from "preact/hooks";
import { api, type Instance, STATUSES, TERMINAL } from "../api.js";
import { formatDuration, formatTime, isoToLocal, localToIso, shortPayload } from "../parts/format.js";
import { usePoll } from "../parts/poll.js";
import { ErrorNote, StatusBadge } from "../parts/widgets.js";

const PAGE_SIZE = 50;
const FILTER_KEYS = [
  "status",
  "name",
  "idPrefix",
  "createdFrom",
  "createdTo",
  "updatedFrom",
  "updatedTo",
] as const;

export function InstancesPage({ query }: { query: URLSearchParams }) {
  const key = query.toString();
  // Tokens of the pages before the current one; the current page's own token is the last entry.
  const [pages, setPages] = useState<{ key: string; tokens: (string | undefined)[] }>({
    key,
    tokens: [undefined],
  });
  const tokens = pages.key === key ? pages.tokens : [undefined];
  const token = tokens[tokens.length - 1];
  const [rows, setRows] = useState<Instance[]>();
  const [next, setNext] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [live, setLive] = useState(true);

  const request = useMemo(() => {
    const params = new URLSearchParams();
    for (const name of FILTER_KEYS) {
      const value = query.get(name);
      if (value) params.set(name, value);
    }
    for (const pair of query.getAll("metadata")) params.append("metadata", pair);
    params.set("limit", String(PAGE_SIZE));
    if (token) params.set("continuationToken", token);
    return params;
  }, [key, token]);

  const last = usePoll(
    async () => {
      try {
        const page = await api.list(request);
        setRows(page.instances);
        setNext(page.continuationToken);
        setError(undefined);
      } catch (failure) {
        setError(failure);
        throw failure;
      }
    },
    2000,
    [request.toString()],
    live,
  );

  return (
    <section aria-labelledby="instances-title">
      <div class="title-row">
        <h1 id="instances-title">Instances</h1>
        <label class="toggle">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /> Live
          updates
        </label>
        <span class="muted small" aria-live="off">
          {last ? `updated ${last.toLocaleTimeString(undefined, { hour12: false })}` : ""}
        </span>
      </div>
      <Filters key={key} query={query} />
      <ErrorNote error={error} />
      <div class="table-wrap">
        <table class="instances">
          <caption class="sr-only">Workflow instances, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Instance</th>
              <th scope="col">Workflow</th>
              <th scope="col">Status</th>
              <th scope="col">Custom status</th>
              <th scope="col">Created</th>
              <th scope="col">Updated</th>
              <th scope="col">Duration</th>
              <th scope="col">Metadata</th>
            </tr>
          </thead>
          <tbody>
            {rows?.map((row) => (
              <InstanceRow key={row.instanceID} row={row} />
            ))}
          </tbody>
        </table>
        {rows && rows.length === 0 && <p class="muted pad">No instances match.</p>}
        {!rows && !error && <p class="muted pad">Loading…</p>}
      </div>
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          disabled={tokens.length <= 1}
          onClick={() => setPages({ key, tokens: tokens.slice(0, -1) })}
        >
          ← Newer
        </button>
        <span class="muted small">Page {tokens.length}</span>
        <button type="button" disabled={!next} onClick={() => setPages({ key, tokens: [...tokens, next] })}>
          Older →
        </button>
      </nav>
    </section>
  );
}

function InstanceRow({ row }: { row: Instance }) {
  const created = Date.parse(row.createdAt);
  const updated = Date.parse(row.lastUpdatedAt);
  const end = TERMINAL.has(row.runtimeStatus) ? updated : Date.now();
  const href = `#/instances/${encodeURIComponent(row.instanceID)}`;
  return (
    <tr>
      <td data-label="Instance">
        <a href={href} class="mono">
          {row.instanceID}
        </a>
      </td>
      <td data-label="Workflow">{row.workflowName}</td>
      <td data-label="Status">
        <StatusBadge status={row.runtimeStatus} />
      </td>
      <td data-label="Custom status">{shortPayload(row.properties["dapr.workflow.custom_status"], 40)}</td>
      <td data-label="Created">{formatTime(row.createdAt)}</td>
      <td data-label="Updated">{formatTime(row.lastUpdatedAt)}</td>
      <td data-label="Duration">{formatDuration(end - created)}</td>
      <td data-label="Metadata">
        {Object.entries(row.metadata ?? {}).map(([k, v]) => (
          <span class="chip" key={k}>
            {k}={v}
          </span>
        ))}
      </td>
    </tr>
  );
}

function Filters({ query }: { query: URLSearchParams }) {
  const [statuses, setStatuses] = useState(
    () => new Set((query.get("status") ?? "").split(",").filter(Boolean)),
  );
  const [name, setName] = useState(query.get("name") ?? "");
  const [idPrefix, setIdPrefix] = useState(query.get("idPrefix") ?? "");
  const [metadata, setMetadata] = useState(query.getAll("metadata").join("; "));
  const [times, setTimes] = useState(() => ({
    createdFrom: isoToLocal(query.get("createdFrom")),
    createdTo: isoToLocal(query.get("createdTo")),
    updatedFrom: isoToLocal(query.get("updatedFrom")),
    updatedTo: isoToLocal(query.get("updatedTo")),
  }));

  const apply = (event: Event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    if (statuses.size) params.set("status", STATUSES.filter((s) => statuses.has(s)).join(","));
    if (name.trim()) params.set("name", name.trim());
    if (idPrefix.trim()) params.set("idPrefix", idPrefix.trim());
    for (const [field, value] of Object.entries(times)) {
      const iso = localToIso(value);
      if (iso) params.set(field, iso);
    }
    for (const pair of metadata.split(";")) if (pair.trim()) params.append("metadata", pair.trim());
    location.hash = `#/instances${params.size ? `?${params}` : ""}`;
  };
  const clear = () => {
    setStatuses(new Set());
    setName("");
    setIdPrefix("");
    setMetadata("");
    setTimes({ createdFrom: "", createdTo: "", updatedFrom: "", updatedTo: "" });
    location.hash = "#/instances";
  };
  const time = (field: keyof typeof times, label: string) => (
    <label>
      {label}
      <input
        type="datetime-local"
        name={field}
        value={times[field]}
        onInput={(e) => setTimes({ ...times, [field]: e.currentTarget.value })}
      />
    </label>
  );

  return (
    <form class="filters" onSubmit={apply} aria-label="Filter instances">
      <label>
        Instance id starts with
        <input
          type="search"
          name="idPrefix"
          value={idPrefix}
          onInput={(e) => setIdPrefix(e.currentTarget.value)}
        />
      </label>
      <label>
        Workflow name
        <input type="text" name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        Metadata (key=value; …)
        <input
          type="text"
          name="metadata"
          placeholder="customer=ACME"
          value={metadata}
          onInput={(e) => setMetadata(e.currentTarget.value)}
        />
      </label>
      {time("createdFrom", "Created from")}
      {time("createdTo", "Created before")}
      {time("updatedFrom", "Updated from")}
      {time("updatedTo", "Updated before")}
      <fieldset class="statuses">
        <legend>Status</legend>
        {STATUSES.map((status) => (
          <label key={status} class="check">
            <input
              type="checkbox"
              name="status"
              value={status}
              checked={statuses.has(status)}
              onChange={(e) => {
                const nextSet = new Set(statuses);
                if (e.currentTarget.checked) nextSet.add(status);
                else nextSet.delete(status);
                setStatuses(nextSet);
              }}
            />
            {status.toLowerCase()}
          </label>
        ))}
      </fieldset>
      <div class="buttons">
        <button type="submit">Apply filters</button>
        <button type="button" class="secondary" onClick={clear}>
          Clear
        </button>
      </div>
    </form>
  );
}
