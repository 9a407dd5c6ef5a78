import { useState } from "preact/hooks";
import { api, seg } from "../api.js";
import type { ToolApproval, ToolPin, ToolReview, ToolServer } from "../types.js";
import { Badge, can, errorNotice, Status, useAction, useLoad, useSession, When, Table } from "../ui.js";

// The tool gateway's operator side: tool calls held for a person to allow or deny, the pinned definitions of
// approved tools, and pinning a tool server's tools as they are now.

/** A held call waits for approvalTimeoutSeconds: a new one shows up within this without a reload. */
const PENDING_POLL_MS = 3000;

export function ToolsPage() {
  const session = useSession();
  const pending = useLoad<{ pending: readonly ToolApproval[] }>("/control/tools/pending", PENDING_POLL_MS);
  const pins = useLoad<{ pins: readonly ToolPin[] }>("/control/tools/pins");
  const action = useAction();
  const servers = useLoad<{ servers: readonly ToolServer[] }>("/control/tools/servers");
  const [reviewing, setReviewing] = useState<string | null>(null);
  const review = useLoad<{ server: string; tools: readonly ToolReview[] }>(reviewing === null ? null : `/control/tools/servers/${seg(reviewing)}/review`);
  const approver = can(session, "control_approve");

  const decide = async (a: ToolApproval, decision: "allow" | "deny") => {
    await action.run(async () => {
      await api("/control/tools/decide", { body: { id: a.id, decision } });
      return `${decision === "allow" ? "Allowed" : "Denied"} ${a.server}/${a.tool} for ${a.identityName}.`;
    });
    pending.reload();
  };
  const pin = async (server: string) => {
    const ok = await action.run(async () => {
      // What was reviewed is what is pinned: if the server lists anything else now, the server refuses.
      const reviewed = Object.fromEntries((review.data?.tools ?? []).filter((r) => r.status !== "removed").map((r) => [r.tool, r.digest]));
      const r = await api<{ server: string; approved: ToolReview[]; refused: ToolReview[]; removed: ToolReview[] }>("/control/tools/approve", {
        body: { server, reviewed },
      });
      const held = r.refused.map((t) => t.tool);
      return `Pinned ${r.approved.length} tools of ${r.server}${held.length === 0 ? "" : `; held back (instructions in their descriptions): ${held.join(", ")}`}.`;
    });
    if (ok) setReviewing(null);
    pins.reload();
    servers.reload();
  };

  return (
    <>
      <h1>Tools</h1>
      <Status notice={action.notice ?? errorNotice(pending.error ?? pins.error)} loading={pending.loading && pending.data === undefined} />
      <section aria-labelledby="t-pending">
        <h2 id="t-pending">Calls waiting for an approver</h2>
        {pending.data === undefined ? null : pending.data.pending.length === 0 ? (
          <p>No tool call is waiting.</p>
        ) : (
          <Table label="Tool calls waiting" columns={["Tool", "Asked by", "Arguments", "Expires", approver ? "Decision" : null]}>
            {pending.data.pending.map((a) => (
              <tr key={a.id}>
                <th scope="row">
                  {a.server}/{a.tool}
                </th>
                <td>{a.identityName}</td>
                <td>
                  <pre class="json">{JSON.stringify(a.arguments, null, 2)}</pre>
                </td>
                <td>
                  <When iso={a.expiresAt} />
                </td>
                {approver ? (
                  <td>
                    <div class="row-actions">
                      <button type="button" class="primary" disabled={action.busy} onClick={() => decide(a, "allow")}>
                        Allow
                        <span class="sr-only">
                          {" "}
                          {a.tool} for {a.identityName}
                        </span>
                      </button>
                      <button type="button" class="danger" disabled={action.busy} onClick={() => decide(a, "deny")}>
                        Deny
                        <span class="sr-only">
                          {" "}
                          {a.tool} for {a.identityName}
                        </span>
                      </button>
                    </div>
                  </td>
                ) : null}
              </tr>
            ))}
          </Table>
        )}
      </section>
      <section aria-labelledby="t-pins">
        <h2 id="t-pins">Pinned tools</h2>
        {pins.data === undefined ? null : pins.data.pins.length === 0 ? (
          <p>No tool is pinned: a tool server's tools are pinned when an approver approves the server.</p>
        ) : (
          <Table label="Pinned tools" columns={["Tool", "Definition digest", "Approved by", "When"]}>
            {pins.data.pins.map((p) => (
              <tr key={`${p.server}/${p.tool}`}>
                <th scope="row">
                  {p.server}/{p.tool}
                </th>
                <td>
                  <code class="digest" title={p.digest}>
                    {p.digest.slice(0, 12)}…
                  </code>
                </td>
                <td>{p.approvedBy}</td>
                <td>
                  <When iso={p.approvedAt} />
                </td>
              </tr>
            ))}
          </Table>
        )}
      </section>
      <section aria-labelledby="t-servers">
        <h2 id="t-servers">Tool servers</h2>
        <Status notice={errorNotice(servers.error ?? review.error)} />
        {servers.data === undefined ? null : servers.data.servers.length === 0 ? (
          <p>
            No tool servers are configured: add them under <code>tools.servers</code> in perimeter.yaml.
          </p>
        ) : (
          <Table label="Tool servers" columns={["Server", "Reached at", "Calls wait for an approver", "Pinned tools", approver ? "Approval" : null]}>
            {servers.data.servers.map((s) => (
              <tr key={s.name}>
                <th scope="row">
                  {s.name}
                  <span class="muted block">tools offered as {s.namespace === "" ? "their own names" : `${s.namespace}__TOOL`}</span>
                </th>
                <td class="wrap">{s.url === null ? "stdio (a command run per agent session)" : <code>{s.url}</code>}</td>
                <td>{s.approval === "required" ? "yes" : "no"}</td>
                <td>
                  {s.pinned}
                  {s.approvedAt === null ? (
                    <span class="muted block">never approved: its tools are refused</span>
                  ) : (
                    <span class="muted block">
                      by {s.approvedBy}, <When iso={s.approvedAt} />
                    </span>
                  )}
                </td>
                {approver ? (
                  <td>
                    <button type="button" class="secondary" disabled={action.busy} onClick={() => setReviewing(s.name)}>
                      Review<span class="sr-only"> the tools of {s.name}</span>
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </Table>
        )}
      </section>
      {reviewing === null ? null : (
        <section aria-labelledby="t-review">
          <h2 id="t-review">The tools of {reviewing} now</h2>
          <Status loading={review.loading && review.data === undefined} />
          {review.data === undefined ? null : (
            <>
              <Table label={`The tools of ${reviewing}`} columns={["Tool", "Against its pin", "Instructions found in its description"]}>
                {review.data.tools.map((r) => (
                  <tr key={r.tool}>
                    <th scope="row">
                      {r.tool}
                      {r.description === undefined ? null : <span class="muted block wrap">{r.description}</span>}
                    </th>
                    <td>
                      <Badge value={r.status} />
                    </td>
                    <td>{r.findings.length === 0 ? <span class="muted">none</span> : r.findings.map((f) => `${f.category} (${f.severity})`).join(", ")}</td>
                  </tr>
                ))}
              </Table>
              <p>
                Approving pins every listed tool as it is now; a tool with instructions in its description is held back and stays refused. A changed definition
                is refused until it is approved again.
              </p>
              <div class="row-actions">
                <button type="button" class="primary" disabled={action.busy} onClick={() => pin(reviewing)}>
                  Pin the tools of {reviewing}
                </button>
                <button type="button" class="secondary" onClick={() => setReviewing(null)}>
                  Close the review
                </button>
              </div>
            </>
          )}
        </section>
      )}
    </>
  );
}
