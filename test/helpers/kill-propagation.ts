// How long a kill made through one gateway replica takes to be in force on every replica, measured as an
// operator would notice it: from sending the kill to the first call each replica refuses as KILLED. Shared by
// the replica test (test/scale/) and bench/scale.ts.

export interface KillTrial {
  /** The identity killed in this trial, by name, and its API key. */
  readonly name: string;
  readonly key: string;
}

export interface Propagation {
  /** Per measured trial: ms from sending the kill to the first refusal on the slowest replica. */
  readonly worst: readonly number[];
  /** Per measured trial and replica. */
  readonly perReplica: readonly (readonly number[])[];
  /** Per measured trial: ms until the replica that took the kill answered it. */
  readonly acks: readonly number[];
}

export interface PropagationOptions {
  readonly urls: readonly string[];
  /** An identity with the admin scope, whose key trips kills through the control API. */
  readonly adminKey: string;
  readonly trials: readonly KillTrial[];
  /** Trials first run and not counted: each replica's first kills run code the JIT has not compiled yet. */
  readonly warmup: number;
  readonly model: string;
  /** Between one probe's answer and the next (the measurement's resolution). */
  readonly probeGapMs?: number;
}

async function post(url: string, key: string, body: unknown): Promise<{ status: number; code: string | undefined }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { error?: { code?: string } };
  return { status: res.status, code: json.error?.code };
}

/**
 * Each trial kills one identity through one replica (in turn) and probes every replica until it refuses.
 * A probe asks for more tokens than the default policies allow without a grant, so until the kill it is
 * refused by policy — after the kill-check, without reaching the runtime or waiting for an audit commit: a
 * probe takes about a millisecond, and one in flight per replica, a few ms apart, hardly loads the machine
 * (every refusal is an audit event; probing flat out would load the database the kill goes through). When
 * the first probe refused as KILLED was sent is when the kill was in force there. After each trial an
 * ordinary call is refused on every replica too. Throws on any other answer.
 */
export async function measureKillPropagation(options: PropagationOptions): Promise<Propagation> {
  const gap = options.probeGapMs ?? 4;
  const chat = (url: string, key: string, maxTokens: number) =>
    post(`${url}/v1/chat/completions`, key, { model: options.model, messages: [{ role: "user", content: "probe" }], max_tokens: maxTokens });
  const worst: number[] = [];
  const acks: number[] = [];
  const perReplica: number[][] = options.urls.map(() => []);
  for (const [i, trial] of options.trials.entries()) {
    const measured = i >= options.warmup;
    for (const url of options.urls) {
      const warm = await chat(url, trial.key, 8);
      if (warm.status !== 200) throw new Error(`${url} refused ${trial.name} before its kill: ${warm.status} ${warm.code ?? ""}`);
    }
    const via = options.urls[i % options.urls.length] as string;
    const t0 = performance.now();
    const killed = post(`${via}/control/kill`, options.adminKey, { kind: "identity", target: trial.name, reason: `trial ${i}` }).then((answer) => {
      if (measured) acks.push(performance.now() - t0);
      return answer;
    });
    const refusedAt = await Promise.all(
      options.urls.map(async (url) => {
        for (;;) {
          const sent = performance.now() - t0;
          const { code } = await chat(url, trial.key, 100_000);
          if (code === "KILLED") return sent;
          if (code !== "POLICY_DENIED") throw new Error(`${url} answered a probe with ${code ?? "no error"}`);
          if (sent > 5000) throw new Error(`${url} still served ${trial.name} 5 s after the kill`);
          await new Promise((r) => setTimeout(r, gap));
        }
      }),
    );
    const answer = await killed;
    if (answer.status !== 200) throw new Error(`the kill of ${trial.name} through ${via} answered ${answer.status} ${answer.code ?? ""}`);
    for (const url of options.urls) {
      const after = await chat(url, trial.key, 8);
      if (after.status !== 403 || after.code !== "KILLED") throw new Error(`${url} answered ${trial.name} with ${after.status} after its kill`);
    }
    if (!measured) continue;
    for (const [r, ms] of refusedAt.entries()) perReplica[r]?.push(ms);
    worst.push(Math.max(...refusedAt));
  }
  return { worst, perReplica, acks };
}

/** The q-th percentile (0..100) of `values`, nearest rank. */
export function percentileOf(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((q / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** One line: p50/p99/max of the slowest replica, the kill's own answer, each replica's p99. */
export function describePropagation(p: Propagation): string {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  return (
    `kill propagation over ${p.worst.length} trials (from sending the kill to the first refusal on the slowest replica): ` +
    `p50 ${ms(percentileOf(p.worst, 50))}, p99 ${ms(percentileOf(p.worst, 99))}, max ${ms(Math.max(...p.worst))}; ` +
    `the kill's own answer p50 ${ms(percentileOf(p.acks, 50))}; per replica p99: ${p.perReplica.map((xs) => ms(percentileOf(xs, 99))).join(", ")}`
  );
}
