import { useState } from "preact/hooks";
import { api, seg } from "../api.js";
import { ChartView } from "../chart.js";
import { versionHref } from "../router.js";
import type { ApprovalView, Evaluation, EvaluationListing, Evidence, SignatureView, VersionDetail } from "../types.js";
import { Badge, bytes, can, Dialog, Digest, errorNotice, Field, FormActions, ScrollBox, Status, useAction, useLoad, useSession, When, Table } from "../ui.js";

// One model version as an approver and an auditor read it: what it is, its scan report, who signed it, its
// evaluations, its approvals, where it runs — and, for approvers, approve or reject.

export function VersionPage({ reference }: { reference: string }) {
  const session = useSession();
  const path = `/control/versions/${seg(reference)}`;
  const detail = useLoad<VersionDetail>(path);
  const evals = useLoad<{ evaluations: readonly EvaluationListing[] }>(`${path}/evaluations`);
  const action = useAction();
  const [dialog, setDialog] = useState<"approve" | "reject" | "deploy" | "retire" | null>(null);
  const [reason, setReason] = useState("");
  const [environment, setEnvironment] = useState("");
  const [retireTo, setRetireTo] = useState<"deprecated" | "revoked">("deprecated");
  const v = detail.data?.version;
  const waiting = v !== undefined && (v.state === "registered" || v.state === "evaluated");
  const live = v !== undefined && (v.state === "approved" || v.state === "deployed");

  const approve = async (e: Event) => {
    e.preventDefault();
    setDialog(null);
    const ok = await action.run(async () => {
      const r = await api<{ version: string; signer: string }>(`${path}/approve`, { body: { reason } });
      return `Approved ${r.version} (signed by ${r.signer}): runtimes may admit it now.`;
    });
    setReason("");
    if (ok) detail.reload();
  };
  const reject = async (e: Event) => {
    e.preventDefault();
    setDialog(null);
    const ok = await action.run(async () => {
      const r = await api<{ version: string; state: string }>(`${path}/reject`, { body: { reason } });
      return `Rejected ${r.version}: it is ${r.state}, refused by admission and the gateway.`;
    });
    setReason("");
    if (ok) detail.reload();
  };

  const deploy = async (e: Event) => {
    e.preventDefault();
    setDialog(null);
    const to = environment === "" ? (v?.environments[0] ?? "") : environment;
    const ok = await action.run(async () => {
      const r = await api<{ version: string; state: string }>(`${path}/deploy`, { body: { environment: to } });
      return `Recorded ${r.version} as deployed in ${to}.`;
    });
    if (ok) detail.reload();
  };
  const retire = async (e: Event) => {
    e.preventDefault();
    setDialog(null);
    const ok = await action.run(async () => {
      const r = await api<{ version: string; state: string }>(`${path}/retire`, { body: { to: retireTo, reason } });
      return `${r.version} is ${r.state}.`;
    });
    setReason("");
    if (ok) detail.reload();
  };

  return (
    <>
      <p class="crumbs">
        <a href="#/inventory">Inventory</a> / {reference}
      </p>
      <h1>{reference}</h1>
      <Status notice={action.notice ?? errorNotice(detail.error)} loading={detail.loading && detail.data === undefined} />
      {v === undefined || detail.data === undefined ? null : (
        <>
          {can(session, "control_approve") && waiting ? (
            <div class="actions">
              <button type="button" class="primary" disabled={action.busy} onClick={() => setDialog("approve")}>
                Approve
              </button>
              <button type="button" class="danger" disabled={action.busy} onClick={() => setDialog("reject")}>
                Reject
              </button>
            </div>
          ) : null}
          {can(session, "control_lifecycle") && live ? (
            <div class="actions">
              <button type="button" class="secondary" disabled={action.busy} onClick={() => setDialog("deploy")}>
                Record a deployment
              </button>
              <button type="button" class="secondary" disabled={action.busy} onClick={() => setDialog("retire")}>
                Retire
              </button>
            </div>
          ) : null}
          <section aria-labelledby="v-summary">
            <h2 id="v-summary">Version</h2>
            <dl class="fields">
              <Field name="State">
                <Badge value={v.state} /> {v.stateChangedAt === null ? null : <When iso={v.stateChangedAt} />}
              </Field>
              <Field name="Kind">{v.kind}</Field>
              <Field name="Parents">
                {v.parents.length === 0 ? (
                  <span class="muted">none</span>
                ) : (
                  v.parents.map((p, i) => (
                    <span key={p}>
                      {i > 0 ? ", " : ""}
                      <a href={versionHref(p)}>{p}</a>
                    </span>
                  ))
                )}
              </Field>
              <Field name="Made from it">
                {detail.data.children.length === 0 ? (
                  <span class="muted">nothing</span>
                ) : (
                  detail.data.children.map((c, i) => (
                    <span key={c}>
                      {i > 0 ? ", " : ""}
                      <a href={versionHref(c)}>{c}</a>
                    </span>
                  ))
                )}
              </Field>
              <Field name="Digest">
                <code class="wrap">{v.digest}</code>
              </Field>
              <Field name="Size">
                {bytes(v.size)} in {v.files.length} {v.files.length === 1 ? "file" : "files"} ({v.formats.join(", ")})
              </Field>
              <Field name="Licence">
                {v.license.expression ?? "unknown"} ({v.license.tier}) <span class="muted wrap">{v.license.detail}</span>
              </Field>
              <Field name="Owner">{v.owner ?? <span class="muted">none recorded</span>}</Field>
              <Field name="Environments">{v.environments.join(", ")}</Field>
              <Field name="Submitted">
                by {v.registeredBy}, <When iso={v.registeredAt} />
              </Field>
            </dl>
          </section>
          <ScanReport evidence={detail.data.evidence} />
          <Signature signature={detail.data.signature} />
          <Evaluations listing={evals.data?.evaluations} error={evals.error} />
          <Approvals approvals={detail.data.signature.approvals} />
          <section aria-labelledby="v-served">
            <h2 id="v-served">Where it is served</h2>
            {detail.data.served.length === 0 ? (
              <p>No runtime served these bytes at its last discovery.</p>
            ) : (
              <ul class="plain-list">
                {detail.data.served.map((s) => (
                  <li key={`${s.runtime}/${s.name}`}>
                    <a href="#/runtimes">{s.runtime}</a> as <code>{s.name}</code>{" "}
                    <span class="muted">
                      (seen <When iso={s.discoveredAt} />)
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
      <Dialog open={dialog === "approve"} title={`Approve ${reference}?`} onClose={() => setDialog(null)} describedBy="approve-what">
        <form onSubmit={approve}>
          <p id="approve-what">
            You approve it as <strong>{session.actor}</strong>. Perimeter checks the scan, the signature, the eval gate, that you hold the approver role, and
            that you did not submit it; then runtimes may admit it.
          </p>
          <label for="approve-note">Why (optional, kept in the signed approval)</label>
          <textarea id="approve-note" data-autofocus value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          <FormActions tone="primary" onCancel={() => setDialog(null)}>
            Approve {reference}
          </FormActions>
        </form>
      </Dialog>
      <Dialog open={dialog === "reject"} title={`Reject ${reference}?`} onClose={() => setDialog(null)} describedBy="reject-what">
        <form onSubmit={reject}>
          <p id="reject-what">It will be revoked: admission, the webhook and the gateway refuse it everywhere.</p>
          <label for="reject-reason">Why (kept as evidence)</label>
          <textarea id="reject-reason" required data-autofocus value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          <FormActions tone="danger" onCancel={() => setDialog(null)}>
            Reject {reference}
          </FormActions>
        </form>
      </Dialog>
      <Dialog open={dialog === "deploy"} title={`Record ${reference} as deployed?`} onClose={() => setDialog(null)}>
        <form onSubmit={deploy}>
          <p>Perimeter records that this approved version now runs in the environment; the inventory and drift checks expect it there.</p>
          <label for="deploy-env">Environment</label>
          <select id="deploy-env" data-autofocus value={environment} onChange={(e) => setEnvironment(e.currentTarget.value)}>
            {(v?.environments ?? []).map((env) => (
              <option key={env} value={env}>
                {env}
              </option>
            ))}
          </select>
          <FormActions tone="primary" onCancel={() => setDialog(null)}>
            Record deployment
          </FormActions>
        </form>
      </Dialog>
      <Dialog open={dialog === "retire"} title={`Retire ${reference}?`} onClose={() => setDialog(null)}>
        <form onSubmit={retire}>
          <label for="retire-to">Retire to</label>
          <select id="retire-to" data-autofocus value={retireTo} onChange={(e) => setRetireTo(e.currentTarget.value === "revoked" ? "revoked" : "deprecated")}>
            <option value="deprecated">deprecated: out of service (a rollback may bring it back)</option>
            <option value="revoked">revoked: refused everywhere, for good</option>
          </select>
          <label for="retire-reason">Why (kept as evidence)</label>
          <textarea id="retire-reason" required value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          <FormActions tone="danger" onCancel={() => setDialog(null)}>
            Retire {reference}
          </FormActions>
        </form>
      </Dialog>
    </>
  );
}

function latest(evidence: readonly Evidence[], kind: Evidence["kind"]): Evidence | undefined {
  return evidence.filter((e) => e.kind === kind).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
}

function ScanReport({ evidence }: { evidence: readonly Evidence[] }) {
  const scan = latest(evidence, "scan");
  const summary = scan?.body["summary"];
  const counts = typeof summary === "object" && summary !== null ? Object.entries(summary as Record<string, unknown>) : [];
  const refused = Array.isArray(scan?.body["refused"]) ? (scan?.body["refused"] as unknown[]) : [];
  const files = Array.isArray(scan?.body["files"]) ? (scan?.body["files"] as unknown[]) : [];
  return (
    <section aria-labelledby="v-scan">
      <h2 id="v-scan">Scan report</h2>
      {scan === undefined ? (
        <p>
          No scan on record: run <code>perimeter scan PATH --model NAME@VERSION</code>.
        </p>
      ) : (
        <>
          <p>
            <Badge value={scan.verdict} /> scanned by {scan.createdBy}, <When iso={scan.createdAt} />
            {scan.body["matchesVersion"] === false ? <strong> — covered other files than this version</strong> : null}
          </p>
          <dl class="fields compact">
            {counts.map(([k, n]) => (
              <Field key={k} name={k}>
                {String(n)}
              </Field>
            ))}
          </dl>
          {refused.length === 0 ? null : (
            <>
              <h3>Refused</h3>
              <pre class="json">{JSON.stringify(refused, null, 2)}</pre>
            </>
          )}
          {files.length === 0 ? null : <p class="muted wrap">Files: {files.map(String).join(", ")}</p>}
        </>
      )}
    </section>
  );
}

function Signature({ signature }: { signature: SignatureView }) {
  const verified = signature.approvals.find((a) => a.verified && a.signer !== null);
  return (
    <section aria-labelledby="v-signature">
      <h2 id="v-signature">Signature</h2>
      {verified !== undefined ? (
        <p>
          Signed by the trusted signer <strong>{verified.signer}</strong>: the OMS signature over these files verified when {verified.approver} approved it (
          <When iso={verified.approvedAt} />
          ). The approval is itself signed, by key <Digest value={verified.keyId} />, and verifies.
        </p>
      ) : (
        <p>Not verified yet: the signature is checked against the trusted signers (lifecycle.trustedSigners) over every byte when the version is approved.</p>
      )}
      <p class="muted wrap">
        {signature.file === null ? (
          "No signature file at the version's location."
        ) : (
          <>
            Signature file: <code>{signature.file}</code>
          </>
        )}
      </p>
    </section>
  );
}

function Approvals({ approvals }: { approvals: readonly ApprovalView[] }) {
  return (
    <section aria-labelledby="v-approvals">
      <h2 id="v-approvals">Approvals</h2>
      {approvals.length === 0 ? (
        <p>Not approved.</p>
      ) : (
        <ul class="plain-list">
          {approvals.map((a) => (
            <li key={a.evidence}>
              <Badge value={a.verified ? "verified" : "unverified"} /> approved by <strong>{a.approver}</strong>, <When iso={a.approvedAt} />
              {a.submitter === null ? null : <span class="muted"> (submitted by {a.submitter})</span>}
              {a.note === null ? null : <span class="block wrap">“{a.note}”</span>}
              {a.problem === null ? null : <span class="block wrap">The approval does not verify: {a.problem}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function Evaluations({ listing, error }: { listing: readonly EvaluationListing[] | undefined; error: string | undefined }) {
  const newest = listing?.find((e) => e.status === "complete");
  const detail = useLoad<{ evaluation: Evaluation }>(newest === undefined ? null : `/control/evaluations/${seg(newest.id)}`);
  const ev = detail.data?.evaluation;
  const categories = ev === undefined ? [] : Object.entries(ev.summary.asrByCategory);
  const baseline = ev?.baseline;
  return (
    <section aria-labelledby="v-evals">
      <h2 id="v-evals">Evaluations</h2>
      <Status notice={errorNotice(error ?? detail.error)} />
      {listing === undefined ? null : listing.length === 0 ? (
        <p>
          No evaluations: run <code>perimeter eval run NAME@VERSION</code>.
        </p>
      ) : (
        <Table label="Evaluations" columns={["Started", "Status", "Suites", "Attack success", "Gate", "By"]}>
          {listing.map((e) => (
            <tr key={e.id}>
              <td>
                <When iso={e.startedAt} />
              </td>
              <td>{e.status}</td>
              <td>{e.suites.join(", ")}</td>
              <td>{e.asr === null ? "—" : pct(e.asr)}</td>
              <td>{e.gate === null ? "—" : <Badge value={e.gate ? "pass" : "fail"} />}</td>
              <td>{e.startedBy}</td>
            </tr>
          ))}
        </Table>
      )}
      {ev === undefined ? null : (
        <>
          <h3>Newest complete evaluation</h3>
          <p>
            Attack success {pct(ev.summary.asr.rate)} ({ev.summary.asr.count} of {ev.summary.asr.n}, 95% interval {pct(ev.summary.asr.low)}–
            {pct(ev.summary.asr.high)}); over-refusal {pct(ev.summary.overRefusal.rate)}; {ev.summary.judged} judged, {ev.summary.errors} errors.
            {ev.gate === undefined ? null : (
              <>
                {" "}
                Gate: <Badge value={ev.gate.pass ? "pass" : "fail"} />
              </>
            )}
          </p>
          {ev.gate === undefined || ev.gate.reasons.length === 0 ? null : (
            <ul>
              {ev.gate.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          )}
          {categories.length === 0 ? null : (
            <>
              <ChartView
                type="bar"
                horizontal
                yMax={100}
                yTitle="attack success, %"
                description={`Attack success rate by category${baseline === undefined ? "" : `, against ${baseline.version}`}: ${categories
                  .map(([c, r]) => `${c} ${pct(r.rate)}`)
                  .join(", ")}`}
                labels={categories.map(([c]) => c)}
                series={[
                  { label: ev.version, data: categories.map(([, r]) => r.rate * 100), color: "#b91c1c" },
                  ...(baseline === undefined
                    ? []
                    : [{ label: baseline.version, data: categories.map(([c]) => (baseline.summary.asrByCategory[c]?.rate ?? 0) * 100), color: "#1d6fd1" }]),
                ]}
              />
              <ScrollBox label="Attack success by category">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Category</th>
                      <th scope="col">Attack success</th>
                      <th scope="col">95% interval</th>
                      <th scope="col">Cases</th>
                      {baseline === undefined ? null : <th scope="col">Baseline</th>}
                    </tr>
                  </thead>
                  <tbody>
                    {categories.map(([c, r]) => (
                      <tr key={c}>
                        <th scope="row">{c}</th>
                        <td>{pct(r.rate)}</td>
                        <td>
                          {pct(r.low)}–{pct(r.high)}
                        </td>
                        <td>
                          {r.count} of {r.n}
                        </td>
                        {baseline === undefined ? null : (
                          <td>{baseline.summary.asrByCategory[c] === undefined ? "—" : pct(baseline.summary.asrByCategory[c]?.rate ?? 0)}</td>
                        )}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </ScrollBox>
            </>
          )}
        </>
      )}
    </section>
  );
}
