import { useEffect, useState } from "preact/hooks";
import { api, messageOf } from "../api.js";
import { ChartView } from "../chart.js";
import type { Traffic } from "../types.js";
import { errorNotice, Status, When, Table } from "../ui.js";

// Live traffic from this gateway's own metrics, asked for every few seconds while the page is open.

const POLL_MS = 2000;

function ms(v: number | null): string {
  return v === null ? "—" : `${v.toFixed(v < 10 ? 1 : 0)} ms`;
}

export function TrafficPage() {
  const [data, setData] = useState<Traffic | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const t = await api<Traffic>("/control/traffic");
        if (stopped) return;
        setData(t);
        setError(undefined);
      } catch (err) {
        if (!stopped) setError(messageOf(err));
      }
      // The next ask after this answer, never two in flight: a slow server is not piled on.
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  const points = data?.points ?? [];
  const latest = points[points.length - 1];
  const reasons = Object.entries(data?.refusals ?? {}).sort((a, b) => b[1] - a[1]);
  const sinceStart = Object.entries(data?.refusalsSinceStart ?? {}).sort((a, b) => b[1] - a[1]);
  return (
    <>
      <h1>Live traffic</h1>
      <Status notice={errorNotice(error)} loading={data === undefined && error === undefined} />
      {data === undefined ? null : (
        <>
          <div class="cards">
            <section class="card" aria-labelledby="tr-rate">
              <h2 id="tr-rate">Calls per second</h2>
              <p class="big">{latest === undefined ? "0" : (latest.allowed + latest.refused + latest.failed).toFixed(1)}</p>
              <p>
                {latest === undefined
                  ? "no calls yet"
                  : `${latest.allowed.toFixed(1)} served, ${latest.refused.toFixed(1)} refused, ${latest.failed.toFixed(1)} failed`}
              </p>
            </section>
            <section class="card" aria-labelledby="tr-latency">
              <h2 id="tr-latency">Latency to first byte</h2>
              <dl class="fields compact">
                <div class="field">
                  <dt>p50</dt>
                  <dd>{ms(data.latencyMs.p50)}</dd>
                </div>
                <div class="field">
                  <dt>p95</dt>
                  <dd>{ms(data.latencyMs.p95)}</dd>
                </div>
                <div class="field">
                  <dt>p99</dt>
                  <dd>{ms(data.latencyMs.p99)}</dd>
                </div>
              </dl>
            </section>
            <section class="card" aria-labelledby="tr-limits">
              <h2 id="tr-limits">Limits</h2>
              <p class="big">{data.limited}</p>
              <p>calls refused by a request, token or concurrency limit in the window; {data.inFlight} in flight now</p>
            </section>
          </div>
          <section aria-labelledby="tr-chart">
            <h2 id="tr-chart">Calls per second, every {data.intervalSeconds} s</h2>
            <ChartView
              type="line"
              yTitle="calls/s"
              description={
                latest === undefined
                  ? "No calls yet."
                  : `Calls per second over the last ${points.length} intervals; latest ${latest.allowed.toFixed(1)} served, ${latest.refused.toFixed(1)} refused, ${latest.failed.toFixed(1)} failed.`
              }
              labels={points.map((p) => new Date(p.at).toLocaleTimeString())}
              series={[
                { label: "served", data: points.map((p) => p.allowed), color: "#1d6fd1" },
                { label: "refused", data: points.map((p) => p.refused), color: "#b45309" },
                { label: "failed", data: points.map((p) => p.failed), color: "#b91c1c" },
              ]}
            />
            <p class="muted">
              Since <When iso={data.since} />.
            </p>
          </section>
          <section aria-labelledby="tr-refusals">
            <h2 id="tr-refusals">Refusals by reason</h2>
            {sinceStart.length === 0 ? (
              <p>No call has been refused since the gateway started.</p>
            ) : (
              <>
                {reasons.length === 0 ? null : (
                  <ChartView
                    type="bar"
                    horizontal
                    integer
                    description={`Refusals in the window by reason: ${reasons.map(([r, n]) => `${r} ${n}`).join(", ")}`}
                    labels={reasons.map(([r]) => r)}
                    series={[{ label: "refusals", data: reasons.map(([, n]) => n), color: "#b45309" }]}
                  />
                )}
                <Table label="Refusals by reason" columns={["Reason", "In the window", "Since start"]}>
                  {sinceStart.map(([r, n]) => (
                    <tr key={r}>
                      <th scope="row">
                        <code>{r}</code>
                      </th>
                      <td>{data.refusals[r] ?? 0}</td>
                      <td>{n}</td>
                    </tr>
                  ))}
                </Table>
              </>
            )}
          </section>
        </>
      )}
    </>
  );
}
