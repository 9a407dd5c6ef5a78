import { useState } from "preact/hooks";
import { api } from "../api.js";
import { type Kill, KILL_KINDS, type KillKind } from "../types.js";
import { can, Dialog, errorNotice, FormActions, Status, useAction, useLoad, useSession, When, Table } from "../ui.js";

// The kill switch: what is stopped now, and stopping a model, identity, runtime or tool everywhere at once.
// Nothing is tripped before the confirmation names what will stop (the server resolves the target first).

const TARGET_HINTS: Readonly<Record<KillKind, string>> = {
  model: "name@version, or a model name for all its versions",
  identity: "identity name or id",
  runtime: "runtime name",
  tool: "tool server, or server/tool",
};

interface Preview {
  readonly kind: KillKind;
  readonly target: string;
  readonly covers: string;
}

export function KillPage() {
  const session = useSession();
  const kills = useLoad<{ kills: readonly Kill[] }>("/control/kills");
  const action = useAction();
  const [kind, setKind] = useState<KillKind>("model");
  const [target, setTarget] = useState("");
  const [reason, setReason] = useState("");
  const [preview, setPreview] = useState<Preview | null>(null);
  const [lifting, setLifting] = useState<Kill | null>(null);
  const [liftReason, setLiftReason] = useState("");
  const operate = can(session, "control_kill");

  const review = async (e: Event) => {
    e.preventDefault();
    action.setNotice(undefined);
    try {
      const q = new URLSearchParams({ kind, target: target.trim() });
      setPreview(await api<Preview>(`/control/kill/preview?${q.toString()}`));
    } catch (err) {
      action.setNotice({ kind: "error", text: err instanceof Error ? err.message : String(err) });
    }
  };
  const trip = async () => {
    const p = preview;
    setPreview(null);
    if (p === null) return;
    const ok = await action.run(async () => {
      const r = await api<{ killed: Kill; appliedHere: boolean }>("/control/kill", { body: { kind: p.kind, target: p.target, reason } });
      return `Killed: ${r.killed.covers}.${r.appliedHere ? "" : " Other gateways apply it within their poll interval."}`;
    });
    if (ok) {
      setTarget("");
      setReason("");
    }
    kills.reload();
  };
  const lift = async (e: Event) => {
    e.preventDefault();
    const k = lifting;
    setLifting(null);
    if (k === null) return;
    await action.run(async () => {
      const r = await api<{ lifted: Kill }>("/control/lift", { body: { kind: k.kind, target: k.target, reason: liftReason } });
      return `Lifted the kill of ${r.lifted.covers}: it is served again.`;
    });
    setLiftReason("");
    kills.reload();
  };

  return (
    <>
      <h1>Kill switch</h1>
      <Status notice={action.notice ?? errorNotice(kills.error)} loading={kills.loading && kills.data === undefined} />
      <section aria-labelledby="k-force">
        <h2 id="k-force">In force</h2>
        {kills.data === undefined ? null : kills.data.kills.length === 0 ? (
          <p>No kill is in force.</p>
        ) : (
          <Table label="Kills in force" columns={["Stops", "Kind", "Why", "By", "Since", operate ? "Actions" : null]}>
            {kills.data.kills.map((k) => (
              <tr key={`${k.kind}:${k.target}`}>
                <th scope="row" class="wrap">
                  {k.covers}
                </th>
                <td>{k.kind}</td>
                <td class="wrap">{k.reason}</td>
                <td>{k.killedBy}</td>
                <td>
                  <When iso={k.killedAt} />
                </td>
                {operate ? (
                  <td>
                    <button type="button" class="secondary" disabled={action.busy} onClick={() => setLifting(k)}>
                      Lift<span class="sr-only"> the kill of {k.covers}</span>
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </Table>
        )}
      </section>
      {operate ? (
        <section aria-labelledby="k-trip">
          <h2 id="k-trip">Trip the kill switch</h2>
          <form class="form-grid" onSubmit={review}>
            <div class="control">
              <label for="k-kind">What to stop</label>
              <select id="k-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as KillKind)}>
                {KILL_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </select>
            </div>
            <div class="control">
              <label for="k-target">Target</label>
              <input id="k-target" required aria-describedby="k-target-hint" value={target} onInput={(e) => setTarget(e.currentTarget.value)} />
              <p id="k-target-hint" class="help">
                {TARGET_HINTS[kind]}
              </p>
            </div>
            <div class="control wide">
              <label for="k-reason">Why (kept as evidence)</label>
              <textarea id="k-reason" required value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
            </div>
            <div class="control">
              <button type="submit" class="danger" disabled={action.busy}>
                Review the kill
              </button>
            </div>
          </form>
        </section>
      ) : (
        <p>
          The control policies in force do not let your roles ({session.roles.join(", ")}) trip or lift kills: with the default policies an operator or an admin
          does.
        </p>
      )}
      <Dialog open={preview !== null} title="Stop this everywhere?" onClose={() => setPreview(null)} describedBy="kill-covers">
        <p id="kill-covers">
          This will stop <strong>{preview?.covers}</strong> in every gateway, at admission and in the tool gateway, until the kill is lifted.
        </p>
        <p class="muted wrap">Why: {reason}</p>
        <div class="dialog-actions">
          <button type="button" class="danger" onClick={trip}>
            Kill {preview?.target}
          </button>
          <button type="button" class="secondary" data-autofocus onClick={() => setPreview(null)}>
            Cancel
          </button>
        </div>
      </Dialog>
      <Dialog open={lifting !== null} title="Lift this kill?" onClose={() => setLifting(null)}>
        <form onSubmit={lift}>
          <p>
            <strong>{lifting?.covers}</strong> is served again everywhere once the kill is lifted.
          </p>
          <label for="lift-reason">Why (kept as evidence)</label>
          <textarea id="lift-reason" required data-autofocus value={liftReason} onInput={(e) => setLiftReason(e.currentTarget.value)} />
          <FormActions tone="primary" onCancel={() => setLifting(null)}>
            Lift the kill
          </FormActions>
        </form>
      </Dialog>
    </>
  );
}
