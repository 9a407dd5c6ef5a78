import { useEffect, useState } from "preact/hooks";
import { api, messageOf } from "../api.js";
import type { AuditEvent, AuditPage as Page, AuditProof, AuditVerification } from "../types.js";
import { Badge, Digest, errorNotice, ScrollBox, Status, useLoad, When } from "../ui.js";

// The audit log for auditors: the whole log verified as the page opens (every hash, link, Merkle root and
// checkpoint signature recomputed by the server), pages of events filtered, and one event proved into a
// signed checkpoint.

interface Filters {
  readonly actor: string;
  readonly action: string;
  readonly decision: string;
}

const PAGE_SIZE = 50;

function query(f: Filters, before: number | null): string {
  const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (before !== null) q.set("before", String(before));
  if (f.actor !== "") q.set("actor", f.actor);
  if (f.action !== "") q.set("action", f.action);
  if (f.decision !== "") q.set("decision", f.decision);
  return `/control/audit/events?${q.toString()}`;
}

export function AuditPage() {
  const [filters, setFilters] = useState<Filters>({ actor: "", action: "", decision: "" });
  const [draft, setDraft] = useState<Filters>(filters);
  const [before, setBefore] = useState<number | null>(null);
  // The `before` of each newer page, to go back to.
  const [newer, setNewer] = useState<(number | null)[]>([]);
  const page = useLoad<Page>(query(filters, before));
  return (
    <>
      <h1>Audit log</h1>
      <Verification />
      <section aria-labelledby="au-events">
        <h2 id="au-events">Events</h2>
        <form
          class="filters"
          onSubmit={(e) => {
            e.preventDefault();
            setFilters({ actor: draft.actor.trim(), action: draft.action.trim(), decision: draft.decision });
            setBefore(null);
            setNewer([]);
          }}
        >
          <div class="control">
            <label for="au-actor">Actor</label>
            <input id="au-actor" value={draft.actor} onInput={(e) => setDraft({ ...draft, actor: e.currentTarget.value })} />
          </div>
          <div class="control">
            <label for="au-action">Action (or prefix: kill.*)</label>
            <input id="au-action" value={draft.action} onInput={(e) => setDraft({ ...draft, action: e.currentTarget.value })} />
          </div>
          <div class="control">
            <label for="au-decision">Decision</label>
            <select id="au-decision" value={draft.decision} onChange={(e) => setDraft({ ...draft, decision: e.currentTarget.value })}>
              <option value="">any</option>
              <option value="allow">allow</option>
              <option value="deny">deny</option>
            </select>
          </div>
          <div class="control">
            <button type="submit" class="secondary">
              Filter
            </button>
          </div>
        </form>
        <Status notice={errorNotice(page.error)} loading={page.loading} />
        {page.data === undefined ? null : (
          <>
            <p class="muted">
              {page.data.size} events in the log
              {page.data.events.length === 0
                ? "; none match."
                : `; showing #${page.data.events[0]?.seq ?? ""} to #${page.data.events[page.data.events.length - 1]?.seq ?? ""}, newest first.`}
            </p>
            {page.data.events.length === 0 ? null : <EventTable events={page.data.events} />}
            <div class="actions">
              <button
                type="button"
                class="secondary"
                disabled={newer.length === 0}
                onClick={() => {
                  setBefore(newer[newer.length - 1] ?? null);
                  setNewer(newer.slice(0, -1));
                }}
              >
                Newer
              </button>
              <button
                type="button"
                class="secondary"
                disabled={page.data.next === null}
                onClick={() => {
                  setNewer([...newer, before]);
                  setBefore(page.data?.next ?? null);
                }}
              >
                Older
              </button>
            </div>
          </>
        )}
      </section>
    </>
  );
}

function Verification() {
  const [result, setResult] = useState<AuditVerification | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const verify = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setResult(await api<AuditVerification>("/control/audit/verify"));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void verify();
  }, []);
  return (
    <section aria-labelledby="au-verify" class={result === undefined ? "verify" : result.ok ? "verify verify-ok" : "verify verify-bad"}>
      <h2 id="au-verify">Verification</h2>
      <div role="status" aria-live="polite">
        {busy ? (
          <p>Verifying the whole log…</p>
        ) : result === undefined ? null : result.ok ? (
          <p>
            <strong>The log verifies.</strong> {result.events} events and {result.checkpoints} signed checkpoints recomputed; root{" "}
            <Digest value={result.root} />.
          </p>
        ) : (
          <>
            <p>
              <strong>The log does not verify</strong>
              {result.firstBadSeq === null ? "." : `: the first bad event is #${result.firstBadSeq}.`} Treat every event from there on as untrusted, and keep
              the store as it is for investigation.
            </p>
            <ul>
              {result.problems.slice(0, 20).map((p, i) => (
                // Problems have no id; the server's order is stable within one answer.
                <li key={i}>
                  {p.seq === null ? "" : `#${p.seq}: `}
                  {p.message}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
      <p role="alert" class="status-error">
        {error ?? ""}
      </p>
      <button type="button" class="secondary" disabled={busy} onClick={verify}>
        Verify again
      </button>
    </section>
  );
}

function EventTable({ events }: { events: readonly AuditEvent[] }) {
  const [proofs, setProofs] = useState<Readonly<Record<number, AuditProof | string>>>({});
  const prove = async (seq: number) => {
    try {
      const p = await api<AuditProof>(`/control/audit/events/${seq}/proof`);
      setProofs((all) => ({ ...all, [seq]: p }));
    } catch (err) {
      setProofs((all) => ({ ...all, [seq]: messageOf(err) }));
    }
  };
  return (
    <ScrollBox label="Audit events">
      <table class="events">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Time</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Resource</th>
            <th scope="col">Decision</th>
            <th scope="col">Details</th>
            <th scope="col">Inclusion</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => {
            const proof = proofs[e.seq];
            return (
              <tr key={e.seq}>
                <th scope="row">{e.seq}</th>
                <td>
                  <When iso={e.time} />
                </td>
                <td>{e.actor}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td class="wrap">{e.resource}</td>
                <td>
                  <Badge value={e.decision} />
                </td>
                <td class="wrap">
                  {e.reason === "" ? null : <span class="block">{e.reason}</span>}
                  <details>
                    <summary>
                      Details<span class="sr-only"> of event {e.seq}</span>
                    </summary>
                    <pre class="json">{JSON.stringify({ ...e.details, hash: e.hash, prevHash: e.prevHash }, null, 2)}</pre>
                  </details>
                </td>
                <td class="proof-cell">
                  {proof === undefined ? (
                    <button type="button" class="secondary small" onClick={() => prove(e.seq)}>
                      Prove<span class="sr-only"> event {e.seq}</span>
                    </button>
                  ) : (
                    <ProofResult seq={e.seq} proof={proof} />
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </ScrollBox>
  );
}

function ProofResult({ seq, proof }: { seq: number; proof: AuditProof | string }) {
  if (typeof proof === "string")
    return (
      <span role="alert" class="status-error">
        {proof}
      </span>
    );
  return (
    <div role="status">
      {proof.verified ? <Badge value="included" /> : <Badge value="not proved" />}
      <span class="block">
        {proof.verified && proof.proof !== undefined
          ? `Event ${seq} is in the signed checkpoint of ${proof.proof.treeSize} events; the proof checks.`
          : `Event ${seq} is not proved: ${proof.reason ?? "the proof does not check"}`}
      </span>
      {proof.proof === undefined ? null : (
        <details>
          <summary>
            Proof<span class="sr-only"> of event {seq}</span>
          </summary>
          <pre class="json">
            {JSON.stringify(
              { leafIndex: proof.proof.leafIndex, leafHash: proof.proof.leafHash, rootHash: proof.proof.rootHash, path: proof.proof.proof },
              null,
              2,
            )}
            {"\n"}
            {proof.proof.checkpoint}
          </pre>
        </details>
      )}
    </div>
  );
}
