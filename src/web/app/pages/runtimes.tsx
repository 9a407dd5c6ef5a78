import { useState } from "preact/hooks";
import { versionHref } from "../router.js";
import type { Drift, Runtime } from "../types.js";
import { Badge, Digest, errorNotice, Status, useLoad, When, Table } from "../ui.js";

// Each runtime and what it served at its last discovery, and drift: what runs that was never approved, or
// what was approved and does not run as recorded.

export function RuntimesPage() {
  const runtimes = useLoad<{ runtimes: readonly Runtime[] }>("/control/runtimes");
  const [live, setLive] = useState(false);
  const drift = useLoad<Drift>(`/control/drift?live=${live ? "true" : "false"}`);
  return (
    <>
      <h1>Runtimes</h1>
      <Status notice={errorNotice(runtimes.error ?? drift.error)} loading={runtimes.loading && runtimes.data === undefined} />
      <section aria-labelledby="rt-drift">
        <h2 id="rt-drift">Drift</h2>
        {drift.data === undefined ? null : (
          <>
            <p>
              {drift.data.drift ? <Badge value="drift" /> : <Badge value="none" />}{" "}
              {drift.data.drift ? `${drift.data.findings.length} findings` : "What the runtimes serve matches what is approved"} —{" "}
              {drift.data.live ? "asked the runtimes" : "from the last discovery"} at <When iso={drift.data.checkedAt} />.
            </p>
            {drift.data.findings.length === 0 ? null : (
              <Table label="Drift findings" columns={["Severity", "Runtime", "Served as", "Versions", "Finding"]}>
                {drift.data.findings.map((f, i) => (
                  // Findings have no id; their order is the server's and stable within one answer.
                  <tr key={i}>
                    <td>
                      <Badge value={f.severity} />
                    </td>
                    <td>{f.runtime}</td>
                    <td>{f.servedName ?? "—"}</td>
                    <td>{f.modelVersions.join(", ") || "—"}</td>
                    <td class="wrap">{f.message}</td>
                  </tr>
                ))}
              </Table>
            )}
          </>
        )}
        <button type="button" class="secondary" disabled={drift.loading} onClick={() => (live ? drift.reload() : setLive(true))}>
          {drift.loading ? "Checking…" : "Ask the runtimes now"}
        </button>
      </section>
      <section aria-labelledby="rt-list">
        <h2 id="rt-list">What each runtime serves</h2>
        {runtimes.data === undefined ? null : runtimes.data.runtimes.length === 0 ? (
          <p>
            No runtimes: add one with <code>perimeter runtime add</code>.
          </p>
        ) : (
          runtimes.data.runtimes.map((r) => (
            <section key={r.name} class="runtime" aria-labelledby={`rt-${r.name}`}>
              <h3 id={`rt-${r.name}`}>
                {r.name}{" "}
                <span class="muted">
                  ({r.type}, {r.environment})
                </span>
              </h3>
              <p class="muted wrap">
                {r.url} · discovered <When iso={r.discoveredAt} />
              </p>
              {r.served.length === 0 ? (
                <p>Served nothing at its last discovery.</p>
              ) : (
                <Table label={`Served by ${r.name}`} columns={["Served as", "Model version", "Digest"]}>
                  {r.served.map((s) => (
                    <tr key={s.name}>
                      <td>
                        <code>{s.name}</code>
                      </td>
                      <td>
                        {s.versions.length === 0 ? (
                          <span class="muted">not in the inventory by these bytes</span>
                        ) : (
                          s.versions.map((v, i) => (
                            <span key={v}>
                              {i > 0 ? ", " : ""}
                              <a href={versionHref(v)}>{v}</a>
                            </span>
                          ))
                        )}
                      </td>
                      <td>
                        <Digest value={s.digest} />
                      </td>
                    </tr>
                  ))}
                </Table>
              )}
            </section>
          ))
        )}
      </section>
    </>
  );
}
