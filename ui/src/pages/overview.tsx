/** Overview: counts by status and workflow, starts and ends per minute over the last hour, and the backlog. */
import { useState } from "preact/hooks";
import { api, type Overview, STATUSES } from "../api.js";
import { usePoll } from "../parts/poll.js";
import { ErrorNote } from "../parts/widgets.js";

export function OverviewPage() {
  const [data, setData] = useState<Overview>();
  const [error, setError] = useState<unknown>();
  usePoll(
    async () => {
      try {
        setData(await api.overview());
        setError(undefined);
      } catch (failure) {
        setError(failure);
        throw failure;
      }
    },
    5000,
    [],
  );

  return (
    <section aria-labelledby="overview-title">
      <div class="title-row">
        <h1 id="overview-title">Overview</h1>
        {data && (
          <span class="muted small">
            as of {new Date(data.generatedAt).toLocaleTimeString(undefined, { hour12: false })}
          </span>
        )}
      </div>
      <ErrorNote error={error} />
      {!data && !error && <p class="muted">Loading…</p>}
      {data && <OverviewBody data={data} />}
    </section>
  );
}

function OverviewBody({ data }: { data: Overview }) {
  const ended = data.series.reduce((n, b) => n + b.completed + b.failed + b.terminated, 0);
  const failed = data.series.reduce((n, b) => n + b.failed, 0);
  const created = data.series.reduce((n, b) => n + b.created, 0);
  const statusLink = (status: string) => `#/instances?status=${status}`;
  return (
    <>
      <ul class="cards" aria-label="Instances by status">
        <li class="card">
          <span class="count" data-testid="total">
            {data.total}
          </span>
          <span>all instances</span>
        </li>
        {STATUSES.map((status) => (
          <li key={status} class={`card status-${status.toLowerCase()}`}>
            <a href={statusLink(status)}>
              <span class="count" data-status={status}>
                {data.statuses[status]}
              </span>
              <span>{status.toLowerCase()}</span>
            </a>
          </li>
        ))}
      </ul>
      <div class="grid2">
        <section class="panel" aria-labelledby="throughput-title">
          <h2 id="throughput-title">Last hour</h2>
          <p class="small">
            <span data-testid="started">{created}</span> started · <span data-testid="ended">{ended}</span>{" "}
            ended · failure rate{" "}
            <strong data-testid="failure-rate">{ended ? ((failed / ended) * 100).toFixed(1) : "0.0"}%</strong>
          </p>
          <Chart data={data} />
        </section>
        <section class="panel" aria-labelledby="backlog-title">
          <h2 id="backlog-title">Backlog</h2>
          <dl class="facts">
            <dt>Instances with events to process</dt>
            <dd data-testid="backlog-instances">{data.backlog.instances}</dd>
            <dt>Activities queued or running</dt>
            <dd data-testid="backlog-activities">{data.backlog.activities}</dd>
            <dt>Running or pending</dt>
            <dd>{data.statuses.RUNNING + data.statuses.PENDING}</dd>
          </dl>
        </section>
      </div>
      <section class="panel" aria-labelledby="by-name-title">
        <h2 id="by-name-title">By workflow</h2>
        <div class="table-wrap">
          <table class="by-name">
            <thead>
              <tr>
                <th scope="col">Workflow</th>
                <th scope="col">Total</th>
                {STATUSES.map((s) => (
                  <th scope="col" key={s}>
                    {s.toLowerCase()}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.workflows.map((w) => (
                <tr key={w.name}>
                  <th scope="row" data-label="Workflow">
                    <a href={`#/instances?name=${encodeURIComponent(w.name)}`}>{w.name}</a>
                  </th>
                  <td data-label="Total">{w.total}</td>
                  {STATUSES.map((s) => (
                    <td key={s} data-label={s.toLowerCase()}>
                      {w.statuses[s]}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

/** Ends per bucket as stacked bars (completed, terminated, failed), starts as a line; plus a table for readers. */
function Chart({ data }: { data: Overview }) {
  const series = data.series;
  const height = 140;
  const width = 600;
  const max = Math.max(1, ...series.map((b) => Math.max(b.completed + b.failed + b.terminated, b.created)));
  const step = width / Math.max(1, series.length);
  const y = (n: number) => height - (n / max) * (height - 10);
  const line = series.map((b, i) => `${i === 0 ? "M" : "L"}${(i + 0.5) * step},${y(b.created)}`).join(" ");
  // The failure rate of each minute's ends, on its own 0-100% scale; minutes with no ends leave a gap.
  const rate = series
    .map((b, i) => {
      const ended = b.completed + b.failed + b.terminated;
      if (!ended) return "";
      const previous = series[i - 1];
      const joined = previous && previous.completed + previous.failed + previous.terminated > 0;
      return `${joined ? "L" : "M"}${(i + 0.5) * step},${height - b.failureRate * (height - 10)}`;
    })
    .join(" ");
  const busy = series.filter((b) => b.created + b.completed + b.failed + b.terminated > 0);
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label="Instances ended per minute (bars) and started (line)"
      >
        {series.map((b, i) => {
          const x = i * step + 1;
          const w = Math.max(1, step - 2);
          const parts: [number, string][] = [
            [b.completed, "ok"],
            [b.terminated, "term"],
            [b.failed, "fail"],
          ];
          let base = height;
          return (
            <g key={b.start}>
              {parts.map(([n, cls]) => {
                if (!n) return null;
                const h = height - y(n);
                base -= h;
                return <rect key={cls} class={`bar-${cls}`} x={x} y={base} width={w} height={h} />;
              })}
            </g>
          );
        })}
        <path d={line} class="line-created" fill="none" />
        {rate && <path d={rate} class="line-rate" fill="none" />}
      </svg>
      <figcaption class="small muted">
        <span class="key ok" /> completed <span class="key term" /> terminated <span class="key fail" />{" "}
        failed <span class="key created" /> started <span class="key rate" /> failure rate (0-100%) — per{" "}
        {data.bucketSeconds} s
      </figcaption>
      <details>
        <summary>As a table</summary>
        {busy.length === 0 ? (
          <p class="muted small">Nothing started or ended in this window.</p>
        ) : (
          <table class="series">
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col">Started</th>
                <th scope="col">Completed</th>
                <th scope="col">Failed</th>
                <th scope="col">Terminated</th>
                <th scope="col">Failure rate</th>
              </tr>
            </thead>
            <tbody>
              {busy.map((b) => (
                <tr key={b.start}>
                  <th scope="row">{new Date(b.start).toLocaleTimeString(undefined, { hour12: false })}</th>
                  <td>{b.created}</td>
                  <td>{b.completed}</td>
                  <td>{b.failed}</td>
                  <td>{b.terminated}</td>
                  <td>{(b.failureRate * 100).toFixed(1)}%</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </details>
    </figure>
  );
}
