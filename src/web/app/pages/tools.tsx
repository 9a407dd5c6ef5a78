import { useState } from "preact/hooks";
import { api } from "../api.js";
import type { ToolApproval, ToolPin, ToolReview } from "../types.js";
import { can, errorNotice, ScrollBox, Status, useAction, useLoad, useSession, When } from "../ui.js";

// The tool gateway's operator side: tool calls held for a person to allow or deny, the pinned definitions of
// approved tools, and pinning a tool server's tools as they are now.

export function ToolsPage() {
  const session = useSession();
  const pending = useLoad<{ pending: readonly ToolApproval[] }>("/control/tools/pending");
  const pins = useLoad<{ pins: readonly ToolPin[] }>("/control/tools/pins");
  const action = useAction();
  const [server, setServer] = useState("");
  const approver = can(session, "approve");

  const decide = async (a: ToolApproval, decision: "allow" | "deny") => {
    await action.run(async () => {
      await api("/control/tools/decide", { body: { id: a.id, decision } });
      return `${decision === "allow" ? "Allowed" : "Denied"} ${a.server}/${a.tool} for ${a.identityName}.`;
    });
    pending.reload();
  };
  const pin = async (e: Event) => {
    e.preventDefault();
    await action.run(async () => {
      const r = await api<{ server: string; approved: ToolReview[]; refused: ToolReview[]; removed: ToolReview[] }>("/control/tools/approve", {
        body: { server: server.trim() },
      });
      const held = r.refused.map((t) => t.tool);
      return `Pinned ${r.approved.length} tools of ${r.server}${held.length === 0 ? "" : `; held back (instructions in their descriptions): ${held.join(", ")}`}.`;
    });
    pins.reload();
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
          <ScrollBox label="Tool calls waiting">
            <table>
              <thead>
                <tr>
                  <th scope="col">Tool</th>
                  <th scope="col">Asked by</th>
                  <th scope="col">Arguments</th>
                  <th scope="col">Expires</th>
                  {approver ? <th scope="col">Decision</th> : null}
                </tr>
              </thead>
              <tbody>
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
              </tbody>
            </table>
          </ScrollBox>
        )}
      </section>
      <section aria-labelledby="t-pins">
        <h2 id="t-pins">Pinned tools</h2>
        {pins.data === undefined ? null : pins.data.pins.length === 0 ? (
          <p>No tool is pinned: a tool server's tools are pinned when an approver approves the server.</p>
        ) : (
          <ScrollBox label="Pinned tools">
            <table>
              <thead>
                <tr>
                  <th scope="col">Tool</th>
                  <th scope="col">Definition digest</th>
                  <th scope="col">Approved by</th>
                  <th scope="col">When</th>
                </tr>
              </thead>
              <tbody>
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
              </tbody>
            </table>
          </ScrollBox>
        )}
      </section>
      {approver ? (
        <section aria-labelledby="t-approve">
          <h2 id="t-approve">Approve a tool server</h2>
          <form class="form-grid" onSubmit={pin}>
            <div class="control">
              <label for="t-server">Tool server (tools.servers in perimeter.yaml)</label>
              <input id="t-server" required value={server} onInput={(e) => setServer(e.currentTarget.value)} />
            </div>
            <div class="control">
              <button type="submit" class="primary" disabled={action.busy}>
                Pin its tools
              </button>
            </div>
          </form>
        </section>
      ) : null}
    </>
  );
}
