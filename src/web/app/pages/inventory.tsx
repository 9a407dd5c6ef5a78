import { useState } from "preact/hooks";
import { LineageGraph } from "../lineage.js";
import { versionHref } from "../router.js";
import type { Lineage, VersionSummary } from "../types.js";
import { Badge, bytes, Digest, errorNotice, Status, useLoad, When, Table } from "../ui.js";

// Every model version with its lifecycle state, the approvals queue, and the lineage graph.

const STATES = ["registered", "evaluated", "approved", "deployed", "deprecated", "revoked"] as const;

export function InventoryPage() {
  const [state, setState] = useState("");
  const [name, setName] = useState("");
  const versions = useLoad<{ versions: readonly VersionSummary[] }>(`/control/versions${state === "" ? "" : `?state=${encodeURIComponent(state)}`}`);
  const waiting = useLoad<{ waiting: readonly VersionSummary[] }>("/control/approvals");
  const lineage = useLoad<Lineage>("/control/lineage");
  const shown = (versions.data?.versions ?? []).filter((v) => name === "" || v.id.toLowerCase().includes(name.toLowerCase()));
  return (
    <>
      <h1>Inventory</h1>
      <Status notice={errorNotice(versions.error ?? waiting.error ?? lineage.error)} loading={versions.loading && versions.data === undefined} />
      <section aria-labelledby="inv-waiting">
        <h2 id="inv-waiting">Waiting for approval</h2>
        {waiting.data === undefined ? null : waiting.data.waiting.length === 0 ? (
          <p>Nothing is waiting for an approver.</p>
        ) : (
          <ul class="plain-list">
            {waiting.data.waiting.map((v) => (
              <li key={v.id}>
                <a href={versionHref(v.id)}>{v.id}</a> <Badge value={v.state} /> <span class="muted">submitted by {v.registeredBy}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="inv-versions">
        <h2 id="inv-versions">Model versions</h2>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <div class="control">
            <label for="inv-name">Name contains</label>
            <input id="inv-name" type="search" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </div>
          <div class="control">
            <label for="inv-state">State</label>
            <select id="inv-state" value={state} onChange={(e) => setState(e.currentTarget.value)}>
              <option value="">any</option>
              {STATES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
        </form>
        {versions.data === undefined ? null : shown.length === 0 ? (
          <p>No model versions match.</p>
        ) : (
          <Table label="Model versions" columns={["Version", "Kind", "State", "Parents", "Licence", "Size", "Digest", "Registered"]}>
            {shown.map((v) => (
              <tr key={v.id}>
                <th scope="row">
                  <a href={versionHref(v.id)}>{v.id}</a>
                </th>
                <td>{v.kind}</td>
                <td>
                  <Badge value={v.state} />
                </td>
                <td>{v.parents.length === 0 ? <span class="muted">none</span> : v.parents.join(", ")}</td>
                <td>
                  {v.license.expression ?? "unknown"} <span class="muted">({v.license.tier})</span>
                </td>
                <td>{bytes(v.size)}</td>
                <td>
                  <Digest value={v.digest} />
                </td>
                <td>
                  <When iso={v.registeredAt} /> <span class="muted">by {v.registeredBy}</span>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </section>
      <section aria-labelledby="inv-lineage">
        <h2 id="inv-lineage">Lineage</h2>
        <p class="help">Base models on the left; each arrow points from a parent to the fine-tune, adapter, merge or quantization made from it.</p>
        {lineage.data === undefined ? null : <LineageGraph graph={lineage.data} />}
      </section>
    </>
  );
}
