import { ChartView } from "../chart.js";
import { versionHref } from "../router.js";
import type { Overview } from "../types.js";
import { Badge, errorNotice, Status, useLoad, When, Table } from "../ui.js";

// What needs attention now: models by lifecycle state, drift, open findings, kills in force, the audit log.

export function OverviewPage() {
  const { data, error, loading } = useLoad<Overview>("/control/overview");
  const states = data === undefined ? [] : Object.entries(data.models.byState);
  return (
    <>
      <h1>Overview</h1>
      <Status notice={errorNotice(error)} loading={loading && data === undefined} />
      {data === undefined ? null : (
        <>
          <div class="cards">
            <section class="card" aria-labelledby="ov-models">
              <h2 id="ov-models">Models</h2>
              <p class="big">{data.models.total}</p>
              <p>
                {data.models.waitingForApproval} waiting for approval · <a href="#/inventory">inventory</a>
              </p>
            </section>
            <section class="card" aria-labelledby="ov-drift">
              <h2 id="ov-drift">Drift</h2>
              <p class="big">{data.drift.drift ? <Badge value="drift" /> : <Badge value="none" />}</p>
              <p>
                {data.drift.findings} {data.drift.findings === 1 ? "finding" : "findings"} at the last discovery (
                <When iso={data.drift.checkedAt} />) · <a href="#/runtimes">runtimes</a>
              </p>
            </section>
            <section class="card" aria-labelledby="ov-kills">
              <h2 id="ov-kills">Kills in force</h2>
              <p class="big">{data.kills}</p>
              <p>
                <a href="#/kill">Kill switch</a>
              </p>
            </section>
            <section class="card" aria-labelledby="ov-audit">
              <h2 id="ov-audit">Audit log</h2>
              <p class="big">{data.audit.events} events</p>
              <p>
                {data.audit.lastCheckpoint === null ? (
                  "no signed checkpoint yet"
                ) : (
                  <>
                    last checkpoint: {data.audit.lastCheckpoint.size} events, <When iso={data.audit.lastCheckpoint.time} />
                  </>
                )}
                ; {data.audit.uncheckpointed} since · <a href="#/audit">audit log</a>
              </p>
            </section>
            <section class="card" aria-labelledby="ov-tools">
              <h2 id="ov-tools">Tool calls waiting</h2>
              <p class="big">{data.tools.pendingApprovals}</p>
              <p>
                <a href="#/tools">Tools</a>
              </p>
            </section>
          </div>
          <section aria-labelledby="ov-states">
            <h2 id="ov-states">Models by state</h2>
            <ChartView
              type="bar"
              integer
              description={`Model versions by lifecycle state: ${states.map(([s, n]) => `${s} ${n}`).join(", ")}`}
              labels={states.map(([s]) => s)}
              series={[{ label: "versions", data: states.map(([, n]) => n), color: "#1d6fd1" }]}
            />
            <ul class="inline-list">
              {states.map(([s, n]) => (
                <li key={s}>
                  {s}: {n}
                </li>
              ))}
            </ul>
          </section>
          <section aria-labelledby="ov-findings">
            <h2 id="ov-findings">Open findings</h2>
            {data.findings.length === 0 ? (
              <p>No open findings.</p>
            ) : (
              <Table label="Open findings" columns={["About", "Severity", "Rule", "What to do"]}>
                {data.findings.map((f) => (
                  <tr key={`${f.source}:${f.runtime ?? ""}:${f.version ?? ""}:${f.rule}:${f.location ?? ""}:${f.message}`}>
                    <td>
                      {f.version === null ? null : <a href={versionHref(f.version)}>{f.version}</a>}
                      {f.runtime === null ? null : (
                        <span class="block">
                          runtime <a href="#/runtimes">{f.runtime}</a>
                        </span>
                      )}
                    </td>
                    <td>
                      <Badge value={f.severity} />
                    </td>
                    <td>
                      <code>{f.rule}</code>
                    </td>
                    <td class="wrap">{f.message}</td>
                  </tr>
                ))}
              </Table>
            )}
          </section>
        </>
      )}
    </>
  );
}
