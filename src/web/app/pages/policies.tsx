import { useState } from "preact/hooks";
import { api } from "../api.js";
import type { PolicySet, PolicyValidation } from "../types.js";
import { can, Dialog, errorNotice, FormActions, Status, useAction, useLoad, useSession, When, Table } from "../ui.js";

// The Cedar policies in force for the gateway and for the control API, a change checked before it is
// applied, and (for admins) applying it: every gateway enforces it within a poll.

type Target = "gateway" | "control";

export function PoliciesPage() {
  const session = useSession();
  const sets = useLoad<{ gateway: PolicySet; control: PolicySet }>("/control/policies");
  const action = useAction();
  const [target, setTarget] = useState<Target>("gateway");
  const [text, setText] = useState("");
  const [validation, setValidation] = useState<PolicyValidation | undefined>(undefined);
  const [confirm, setConfirm] = useState(false);
  const [reason, setReason] = useState("");

  const edit = (to: Target, policies: string) => {
    setTarget(to);
    setText(policies);
    setValidation(undefined);
    document.getElementById("pol-text")?.focus();
  };
  const validate = async (e: Event) => {
    e.preventDefault();
    setValidation(undefined);
    await action.run(async () => {
      const v = await api<PolicyValidation>("/control/policies/validate", { body: { target, text } });
      setValidation(v);
      return v.valid ? `Valid: ${v.policies.length} policies.` : `Not valid: ${v.issues.length} issues.`;
    });
  };
  const apply = async (e: Event) => {
    e.preventDefault();
    setConfirm(false);
    await action.run(async () => {
      const r = await api<{ applied: { seq: number } }>("/control/policies/apply", { body: { target, text, reason } });
      return `Applied the ${target} policies (change ${r.applied.seq}): every gateway enforces them within its poll.`;
    });
    setReason("");
    sets.reload();
  };

  return (
    <>
      <h1>Policies</h1>
      <Status notice={action.notice ?? errorNotice(sets.error)} loading={sets.loading && sets.data === undefined} />
      {sets.data === undefined ? null : (
        <>
          <PolicySetView title="Gateway" id="pol-gateway" set={sets.data.gateway} onEdit={(t) => edit("gateway", t)} />
          <PolicySetView title="Control API" id="pol-control" set={sets.data.control} onEdit={(t) => edit("control", t)} />
        </>
      )}
      <section aria-labelledby="pol-change">
        <h2 id="pol-change">Check a change</h2>
        <form onSubmit={validate}>
          <div class="control">
            <label for="pol-target">Policies for</label>
            <select id="pol-target" value={target} onChange={(e) => setTarget(e.currentTarget.value === "control" ? "control" : "gateway")}>
              <option value="gateway">the gateway</option>
              <option value="control">the control API</option>
            </select>
          </div>
          <label for="pol-text">Cedar policies</label>
          <textarea id="pol-text" class="code" rows={14} spellcheck={false} value={text} onInput={(e) => setText(e.currentTarget.value)} />
          <div class="actions">
            <button type="submit" class="secondary" disabled={action.busy}>
              Validate
            </button>
            {can(session, "control_policies") ? (
              <button type="button" class="primary" disabled={action.busy || validation?.valid !== true} onClick={() => setConfirm(true)}>
                Apply…
              </button>
            ) : null}
          </div>
        </form>
        {validation === undefined || validation.valid ? null : (
          <ul class="issues">
            {validation.issues.map((i) => (
              <li key={`${i.file}:${i.line ?? 0}:${i.message}`}>
                {i.line === undefined ? "" : `line ${i.line}: `}
                {i.policy === undefined ? "" : `${i.policy}: `}
                {i.message}
              </li>
            ))}
          </ul>
        )}
      </section>
      <Dialog open={confirm} title={`Apply these ${target} policies?`} onClose={() => setConfirm(false)}>
        <form onSubmit={apply}>
          <p>They replace the {target} policies in force, in every gateway within its poll. The change is an audit event naming you.</p>
          <label for="pol-reason">Why (kept as evidence)</label>
          <textarea id="pol-reason" required data-autofocus value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          <FormActions tone="primary" onCancel={() => setConfirm(false)}>
            Apply
          </FormActions>
        </form>
      </Dialog>
    </>
  );
}

function PolicySetView({ title, id, set, onEdit }: { title: string; id: string; set: PolicySet; onEdit: (text: string) => void }) {
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <p>
        From{" "}
        {set.source === "applied" && set.applied !== null ? (
          <>
            change {set.applied.seq}, applied by {set.applied.appliedBy} (<When iso={set.applied.appliedAt} />
            ): {set.applied.reason}
          </>
        ) : set.source === "files" ? (
          "the configured files"
        ) : (
          "Perimeter's defaults"
        )}
        .
      </p>
      <Table label={`${title} policies`} columns={["Policy", "Effect", "Where"]}>
        {set.policies.map((p) => (
          <tr key={`${p.file}:${p.id}`}>
            <th scope="row">
              <code>{p.id}</code>
            </th>
            <td>{p.effect}</td>
            <td>
              {p.file}:{p.line}
            </td>
          </tr>
        ))}
      </Table>
      {set.files.map((f) => (
        <details key={f.file}>
          <summary>Text of {f.file}</summary>
          <pre class="code">{f.text}</pre>
          <button type="button" class="secondary" onClick={() => onEdit(f.text)}>
            Edit a copy<span class="sr-only"> of the {title} policies</span>
          </button>
        </details>
      ))}
    </section>
  );
}
