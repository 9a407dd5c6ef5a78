import { useState } from "preact/hooks";
import { api, seg } from "../api.js";
import type { Identity, KeyView } from "../types.js";
import { Badge, can, Dialog, errorNotice, FormActions, Status, useAction, useLoad, useSession, When, Table } from "../ui.js";

// Non-human identities and their keys: expiry, last use, scopes never needed (grants to take back), and for
// operators: create, rotate and revoke, each confirmed first. A key is shown once, in the answer that made it.

interface IssuedKey {
  readonly identity: string;
  readonly key: string;
  readonly note: string;
}

const KINDS = ["service-account", "agent", "pipeline"] as const;

export function IdentitiesPage() {
  const session = useSession();
  const [all, setAll] = useState(false);
  const list = useLoad<{ identities: readonly Identity[] }>(`/control/identities?all=${all ? "true" : "false"}`);
  const action = useAction();
  const [dialog, setDialog] = useState<{ kind: "rotate" | "revoke"; identity: Identity } | { kind: "revoke-key"; identity: Identity; key: KeyView } | null>(
    null,
  );
  const [reason, setReason] = useState("");
  const [overlap, setOverlap] = useState("");
  const [issued, setIssued] = useState<IssuedKey | null>(null);
  const operate = can(session, "control_identities");

  const rotate = async (e: Event) => {
    e.preventDefault();
    if (dialog === null) return;
    const target = dialog.identity;
    setDialog(null);
    await action.run(async () => {
      const r = await api<{ key: string; previousKeys: string[]; previousKeysExpireAt: string }>(`/control/identities/${seg(target.id)}/rotate`, {
        body: overlap === "" ? {} : { overlapSeconds: Number(overlap) },
      });
      const until = new Date(r.previousKeysExpireAt).toLocaleString();
      setIssued({
        identity: target.name,
        key: r.key,
        note: r.previousKeys.length === 0 ? "It had no other key." : `Its previous keys work until ${until}, then are refused.`,
      });
      return `Rotated the key of ${target.name}.`;
    });
    setOverlap("");
    list.reload();
  };
  const revoke = async (e: Event) => {
    e.preventDefault();
    if (dialog === null) return;
    const target = dialog.identity;
    setDialog(null);
    await action.run(async () => {
      await api(`/control/identities/${seg(target.id)}/revoke`, { body: { reason } });
      return `Revoked ${target.name}: every key it holds is refused from now on.`;
    });
    setReason("");
    list.reload();
  };

  const revokeKey = async (e: Event) => {
    e.preventDefault();
    if (dialog?.kind !== "revoke-key") return;
    const { identity, key } = dialog;
    setDialog(null);
    await action.run(async () => {
      await api(`/control/keys/${seg(key.id)}/revoke`, { body: { reason } });
      return `Revoked key ${key.id} of ${identity.name}; its other keys keep working.`;
    });
    setReason("");
    list.reload();
  };

  return (
    <>
      <h1>Identities</h1>
      <Status notice={action.notice ?? errorNotice(list.error)} loading={list.loading && list.data === undefined} />
      {issued === null ? null : <ShownOnce issued={issued} onDone={() => setIssued(null)} />}
      <div class="filters">
        <label class="check">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} /> Show revoked identities
        </label>
      </div>
      {list.data === undefined ? null : (
        <Table
          label="Identities"
          columns={["Identity", "Owner", "Status", "Expires", "Last used", "Scopes", "Never needed", "Live keys", operate ? "Actions" : null]}
        >
          {list.data.identities.map((i) => {
            const unused = i.scopeUse.filter((u) => u.lastUsedAt === null).map((u) => u.scope);
            const live = i.keys.filter((k) => k.revokedAt === null && (k.expiresAt === null || Date.parse(k.expiresAt) > Date.now()));
            return (
              <tr key={i.id}>
                <th scope="row">
                  {i.name}
                  <span class="muted block">
                    {i.kind}, {i.environment} · <code>{i.id}</code>
                  </span>
                </th>
                <td>{i.owner}</td>
                <td>
                  <Badge value={i.status} />
                  {i.revokedReason === null ? null : <span class="muted block wrap">{i.revokedReason}</span>}
                </td>
                <td>
                  <When iso={i.expiresAt} empty="never" />
                </td>
                <td>
                  <When iso={i.lastUsedAt} />
                </td>
                <td>{i.scopes.length === 0 ? <span class="muted">none</span> : i.scopes.join(", ")}</td>
                <td>{unused.length === 0 ? <span class="muted">none</span> : unused.join(", ")}</td>
                <td>
                  <KeyList
                    identity={i}
                    live={live}
                    busy={action.busy}
                    onRevoke={operate && i.status !== "revoked" ? (key) => setDialog({ kind: "revoke-key", identity: i, key }) : undefined}
                  />
                </td>
                {operate ? (
                  <td>
                    {i.status === "revoked" ? null : (
                      <div class="row-actions">
                        <button type="button" class="secondary" disabled={action.busy} onClick={() => setDialog({ kind: "rotate", identity: i })}>
                          Rotate key<span class="sr-only"> of {i.name}</span>
                        </button>
                        <button type="button" class="danger" disabled={action.busy} onClick={() => setDialog({ kind: "revoke", identity: i })}>
                          Revoke<span class="sr-only"> {i.name}</span>
                        </button>
                      </div>
                    )}
                  </td>
                ) : null}
              </tr>
            );
          })}
        </Table>
      )}
      {operate ? (
        <CreateIdentity
          busy={action.busy}
          onCreate={async (body) => {
            await action.run(async () => {
              const r = await api<{ identity: Identity; key: string }>("/control/identities", { body });
              setIssued({ identity: r.identity.name, key: r.key, note: `Created ${r.identity.name} (${r.identity.id}).` });
              return `Created ${r.identity.name}.`;
            });
            list.reload();
          }}
        />
      ) : null}
      <Dialog open={dialog?.kind === "rotate"} title={`Rotate the key of ${dialog?.identity.name ?? ""}?`} onClose={() => setDialog(null)}>
        <form onSubmit={rotate}>
          <p>A new key is issued and shown once. The old keys keep working for the overlap you choose, then are refused.</p>
          <label for="rotate-overlap">Old keys keep working for</label>
          <select id="rotate-overlap" data-autofocus value={overlap} onChange={(e) => setOverlap(e.currentTarget.value)}>
            <option value="">the configured overlap</option>
            <option value="0">no time: refuse them now</option>
            <option value="3600">1 hour</option>
            <option value="86400">1 day</option>
          </select>
          <FormActions tone="primary" onCancel={() => setDialog(null)}>
            Rotate key
          </FormActions>
        </form>
      </Dialog>
      <Dialog open={dialog?.kind === "revoke-key"} title="Revoke this key?" onClose={() => setDialog(null)}>
        <form onSubmit={revokeKey}>
          <p>
            Key <code>{dialog?.kind === "revoke-key" ? dialog.key.id : ""}</code> of <strong>{dialog?.identity.name}</strong> is refused from now on, in every
            gateway; the identity and its other keys keep working. This cannot be undone.
          </p>
          <label for="revoke-key-reason">Why (kept as evidence)</label>
          <textarea id="revoke-key-reason" required data-autofocus value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          <FormActions tone="danger" onCancel={() => setDialog(null)}>
            Revoke the key
          </FormActions>
        </form>
      </Dialog>
      <Dialog open={dialog?.kind === "revoke"} title={`Revoke ${dialog?.identity.name ?? ""}?`} onClose={() => setDialog(null)}>
        <form onSubmit={revoke}>
          <p>
            Every key of <strong>{dialog?.identity.name}</strong> is refused from now on, in every gateway, and its dashboard sessions end. This cannot be
            undone.
          </p>
          <label for="revoke-reason">Why (kept as evidence)</label>
          <textarea id="revoke-reason" required data-autofocus value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          <FormActions tone="danger" onCancel={() => setDialog(null)}>
            Revoke {dialog?.identity.name}
          </FormActions>
        </form>
      </Dialog>
    </>
  );
}

/** The live keys of one identity, each with when it was made, used and expires, and (for operators) its own revoke. */
function KeyList({
  identity,
  live,
  busy,
  onRevoke,
}: {
  identity: Identity;
  live: readonly KeyView[];
  busy: boolean;
  onRevoke: ((key: KeyView) => void) | undefined;
}) {
  if (live.length === 0) return <span class="muted">none</span>;
  return (
    <details class="keys">
      <summary>
        {live.length} live key{live.length === 1 ? "" : "s"}
        <span class="sr-only"> of {identity.name}</span>
      </summary>
      <ul class="plain-list">
        {live.map((k) => (
          <li key={k.id}>
            <code>{k.id}</code>
            <span class="muted block">
              made <When iso={k.createdAt} />, last used <When iso={k.lastUsedAt} />, expires <When iso={k.expiresAt} empty="never" />
            </span>
            {onRevoke === undefined ? null : (
              <button type="button" class="danger small" disabled={busy} onClick={() => onRevoke(k)}>
                Revoke key<span class="sr-only"> {k.id}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
    </details>
  );
}

/** A new key, shown this once: the server keeps only its hash. */
function ShownOnce({ issued, onDone }: { issued: IssuedKey; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <section class="shown-once" aria-labelledby="shown-once-title">
      <h2 id="shown-once-title">New key for {issued.identity}</h2>
      <p>Copy it now: it is shown only this once. {issued.note}</p>
      <label for="shown-once-key">API key</label>
      <div class="copy-row">
        <input id="shown-once-key" class="key" readOnly value={issued.key} onFocus={(e) => e.currentTarget.select()} />
        <button
          type="button"
          class="secondary"
          onClick={() => {
            navigator.clipboard?.writeText(issued.key).then(
              () => setCopied(true),
              () => setCopied(false),
            );
          }}
        >
          Copy
        </button>
        <button type="button" class="primary" onClick={onDone}>
          Done
        </button>
      </div>
      <p role="status">{copied ? "Copied." : ""}</p>
    </section>
  );
}

function CreateIdentity({ busy, onCreate }: { busy: boolean; onCreate: (body: Record<string, unknown>) => Promise<void> }) {
  const [name, setName] = useState("");
  const [kind, setKind] = useState<string>("service-account");
  const [owner, setOwner] = useState("");
  const [environment, setEnvironment] = useState("default");
  const [scopes, setScopes] = useState("");
  const [expires, setExpires] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    await onCreate({
      name: name.trim(),
      kind,
      owner: owner.trim(),
      environment: environment.trim(),
      scopes: scopes
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter((s) => s !== ""),
      ...(expires === "" ? {} : { expiresAt: new Date(`${expires}T23:59:59`).toISOString() }),
    });
  };
  return (
    <section aria-labelledby="create-identity">
      <h2 id="create-identity">Create an identity</h2>
      <form class="form-grid" onSubmit={submit}>
        <div class="control">
          <label for="ci-name">Name</label>
          <input id="ci-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </div>
        <div class="control">
          <label for="ci-kind">Kind</label>
          <select id="ci-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </div>
        <div class="control">
          <label for="ci-owner">Owner (the person answerable for it)</label>
          <input id="ci-owner" required value={owner} onInput={(e) => setOwner(e.currentTarget.value)} />
        </div>
        <div class="control">
          <label for="ci-env">Environment</label>
          <input id="ci-env" required value={environment} onInput={(e) => setEnvironment(e.currentTarget.value)} />
        </div>
        <div class="control">
          <label for="ci-scopes">Scopes (comma-separated)</label>
          <input id="ci-scopes" value={scopes} onInput={(e) => setScopes(e.currentTarget.value)} />
        </div>
        <div class="control">
          <label for="ci-expires">Expires on</label>
          <input id="ci-expires" type="date" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
        </div>
        <div class="control">
          <button type="submit" class="primary" disabled={busy}>
            Create identity
          </button>
        </div>
      </form>
    </section>
  );
}
