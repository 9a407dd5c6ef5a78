import { useState } from "preact/hooks";
import { api } from "../api.js";
import type { GuardCheck, GuardsView } from "../types.js";
import { Badge, errorNotice, FormActions, Status, useAction, useLoad, Table } from "../ui.js";

// The guards in force: what a finding leads to by direction and category, the rules that change that for
// some identities or models, the guard models, what they found since the gateway started — and a dry run of
// one text through the built-in detectors, to see what a policy would do before a call does it.

export function GuardsPage() {
  const guards = useLoad<GuardsView>("/control/guards");
  const action = useAction();
  const [text, setText] = useState("");
  const [direction, setDirection] = useState<"input" | "output">("input");
  const [result, setResult] = useState<GuardCheck | null>(null);
  const g = guards.data;
  const categories = g === undefined ? [] : [...new Set([...Object.keys(g.actions.input), ...Object.keys(g.actions.output)])].sort();

  const check = async (e: Event) => {
    e.preventDefault();
    setResult(null);
    await action.run(async () => {
      const r = await api<GuardCheck>("/control/guards/check", { body: { text, direction } });
      setResult(r);
      return r.findings.length === 0 ? "Nothing found: the text would go on as it is." : `The guards would ${r.action} it: ${r.findings.length} finding(s).`;
    });
  };

  return (
    <>
      <h1>Guards</h1>
      <Status notice={errorNotice(guards.error)} loading={guards.loading && g === undefined} />
      {g === undefined ? null : (
        <>
          <p>
            {g.enabled ? <Badge value="on" /> : <Badge value="off" />} Built-in detectors: {g.detectors.length === 0 ? "none" : g.detectors.join(", ")}.
            Streamed answers are held back {g.holdBackTokens} tokens so a secret split across chunks is seen whole.
          </p>
          <section aria-labelledby="g-actions">
            <h2 id="g-actions">What a finding leads to</h2>
            <Table label="Actions by category" columns={["Category", "In a request", "In an answer"]}>
              {categories.map((c) => (
                <tr key={c}>
                  <th scope="row">{c}</th>
                  <td>
                    <Badge value={g.actions.input[c] ?? g.actions.other} />
                  </td>
                  <td>
                    <Badge value={g.actions.output[c] ?? g.actions.other} />
                  </td>
                </tr>
              ))}
              <tr>
                <th scope="row">any other (a guard model's)</th>
                <td>
                  <Badge value={g.actions.other} />
                </td>
                <td>
                  <Badge value={g.actions.other} />
                </td>
              </tr>
            </Table>
            {g.rules.length === 0 ? (
              <p>No rule changes these for particular identities or models.</p>
            ) : (
              <Table label="Rules" columns={["Rule", "For identities", "For models", "Direction", "Actions"]}>
                {g.rules.map((r, i) => (
                  // Rules have no id: their order is the configuration's, and a later one wins.
                  <tr key={i}>
                    <th scope="row">{i + 1}</th>
                    <td>{r.identities?.join(", ") ?? "all"}</td>
                    <td>{r.models?.join(", ") ?? "all"}</td>
                    <td>{r.direction ?? "both"}</td>
                    <td class="wrap">
                      {Object.entries(r.actions)
                        .map(([c, a]) => `${c}: ${a}`)
                        .join(", ")}
                    </td>
                  </tr>
                ))}
              </Table>
            )}
          </section>
          <section aria-labelledby="g-models">
            <h2 id="g-models">Guard models</h2>
            {g.models.length === 0 ? (
              <p>
                None configured (<code>guards.models</code>: Llama Guard, gpt-oss-safeguard, a Prompt Guard classifier).
              </p>
            ) : (
              <Table label="Guard models" columns={["Name", "Kind", "Judges", "Runs as", "When it fails"]}>
                {g.models.map((m) => (
                  <tr key={m.name}>
                    <th scope="row">{m.name}</th>
                    <td>{m.kind}</td>
                    <td>{m.directions.join(", ")}</td>
                    <td>{m.model ?? "its own service"}</td>
                    <td>
                      {m.onError === "block" ? "the call is refused" : "the call goes on, flagged"} (after {m.timeoutMs} ms)
                    </td>
                  </tr>
                ))}
              </Table>
            )}
          </section>
          <section aria-labelledby="g-found">
            <h2 id="g-found">Found since the gateway started</h2>
            {g.findings.length === 0 ? (
              <p>Nothing yet.</p>
            ) : (
              <Table label="Guard findings" columns={["Category", "Direction", "Done", "Times"]}>
                {g.findings.map((f) => (
                  <tr key={`${f.direction}/${f.category}/${f.action}`}>
                    <th scope="row">{f.category}</th>
                    <td>{f.direction}</td>
                    <td>
                      <Badge value={f.action} />
                    </td>
                    <td>{f.count}</td>
                  </tr>
                ))}
              </Table>
            )}
          </section>
        </>
      )}
      <section aria-labelledby="g-try">
        <h2 id="g-try">Try the guards</h2>
        <form onSubmit={check}>
          <label for="g-text">Text</label>
          <textarea id="g-text" required maxLength={16384} value={text} onInput={(e) => setText(e.currentTarget.value)} />
          <label for="g-direction">Judge it as</label>
          <select id="g-direction" value={direction} onChange={(e) => setDirection(e.currentTarget.value === "output" ? "output" : "input")}>
            <option value="input">a request (input)</option>
            <option value="output">an answer (output)</option>
          </select>
          <FormActions tone="primary" onCancel={() => setText("")} cancelLabel="Clear">
            Check the text
          </FormActions>
        </form>
        <Status notice={action.notice} />
        {result === null || result.findings.length === 0 ? null : (
          <>
            <Table label="What the guards found" columns={["Found", "Detector", "Where", "Done"]}>
              {result.findings.map((f) => (
                <tr key={`${f.detector}/${f.type}/${f.span[0]}`}>
                  <th scope="row">
                    {f.category}: {f.type}
                  </th>
                  <td>{f.detector}</td>
                  <td>
                    characters {f.span[0]}–{f.span[1]}
                  </td>
                  <td>
                    <Badge value={f.action} />
                  </td>
                </tr>
              ))}
            </Table>
            {result.redacted === null ? null : (
              <>
                <h3>As it would go on</h3>
                <pre class="json">{result.redacted}</pre>
              </>
            )}
          </>
        )}
      </section>
    </>
  );
}
