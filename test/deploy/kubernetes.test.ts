import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, posix } from "node:path";
import { Certificate, type ICertificate, Issuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1";
import { type IServiceMonitor, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { type IValidatingWebhookConfiguration, ValidatingWebhookConfiguration } from "kubernetes-models/admissionregistration.k8s.io/v1";
import { Deployment, type IDeployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler, type IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { type INetworkPolicy, type INetworkPolicyPeer, type INetworkPolicyPort, NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { type IPodDisruptionBudget, PodDisruptionBudget } from "kubernetes-models/policy/v1";
import {
  ConfigMap,
  type IConfigMap,
  type IContainer,
  type IEnvVar,
  type INamespace,
  type IPodSpec,
  type IService,
  Namespace,
  Secret,
  Service,
  ServiceAccount,
} from "kubernetes-models/v1";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadConfig, type LoadedConfig } from "../../src/config/load.js";
import { DEFAULT_ADMISSION_TIMEOUT_MS, WEBHOOK_PATH } from "../../src/lifecycle/webhook.js";

// deploy/kubernetes rendered the way an operator applies it (`kubectl kustomize`), every object checked against
// its Kubernetes or CRD schema, and then read for what an operator would notice if it were wrong: Pods that
// never become ready, a config Perimeter refuses, a webhook that cannot be reached, a NetworkPolicy open to the
// world, a Secret nobody said to create.

const ROOT = join(import.meta.dirname, "../..");
const KUSTOMIZE = join(ROOT, "deploy/kubernetes");
const NAMESPACE = "perimeter-system";
const GATEWAY = "perimeter-gateway";
const WEBHOOK = "perimeter-webhook";

/** What each object is validated with, by apiVersion and kind: an object of any other kind fails the test. */
const MODELS: Readonly<Record<string, new (data: never) => { validate(): void }>> = {
  "v1/Namespace": Namespace,
  "v1/ServiceAccount": ServiceAccount,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration": ValidatingWebhookConfiguration,
  "cert-manager.io/v1/Issuer": Issuer,
  "cert-manager.io/v1/Certificate": Certificate,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
};
const CLUSTER_SCOPED = new Set(["Namespace", "ValidatingWebhookConfiguration"]);

type LabelSelector = NonNullable<IDeployment["spec"]>["selector"];

interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
}

interface Rendered {
  readonly dir: string;
  /** kubectl's output as it would be applied. */
  readonly text: string;
  readonly objects: readonly KubeObject[];
}

function kubectlKustomize(dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("kubectl", ["kustomize", dir], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err === null) return resolve(stdout);
      const why =
        (err as NodeJS.ErrnoException).code === "ENOENT"
          ? "kubectl is not installed (scripts/test-services.sh installs Debian's kubernetes-client)"
          : stderr.trim() || err.message;
      reject(new Error(`kubectl kustomize ${dir} failed: ${why}`));
    });
  });
}

async function render(overlay: string): Promise<Rendered> {
  const dir = join(KUSTOMIZE, overlay);
  const text = await kubectlKustomize(dir);
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`kubectl kustomize ${dir} printed YAML that does not parse: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    objects.push(value as KubeObject);
  }
  return { dir, text, objects };
}

function all<T>(r: Rendered, kind: string): (T & KubeObject)[] {
  return r.objects.filter((o) => o.kind === kind) as (T & KubeObject)[];
}

function one<T>(r: Rendered, kind: string, name: string): T & KubeObject {
  const found = all<T>(r, kind).filter((o) => o.metadata.name === name);
  if (found.length !== 1) throw new Error(`${r.dir} renders ${found.length} ${kind} named ${name}, not one`);
  return found[0] as T & KubeObject;
}

function podSpec(d: IDeployment): IPodSpec {
  const spec = d.spec?.template.spec;
  if (spec === undefined) throw new Error(`Deployment ${d.metadata?.name} has no Pod template`);
  return spec;
}

function container(d: IDeployment): IContainer {
  const [first, ...rest] = podSpec(d).containers;
  if (first === undefined || rest.length > 0) throw new Error(`Deployment ${d.metadata?.name} should run exactly one container`);
  return first;
}

/** Does a label selector select these labels (matchLabels and matchExpressions, as the API server reads them)? */
function selects(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (selector === undefined) return false;
  const have = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (have[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const value = have[e.key];
    const values = e.values ?? [];
    const ok =
      e.operator === "In"
        ? value !== undefined && values.includes(value)
        : e.operator === "NotIn"
          ? value === undefined || !values.includes(value)
          : e.operator === "Exists"
            ? value !== undefined
            : e.operator === "DoesNotExist"
              ? value === undefined
              : false;
    if (!ok) return false;
  }
  return true;
}

/** A container port by number or by name, as a probe, a Service or a NetworkPolicy names it. */
function containerPort(c: IContainer, port: number | string | undefined): number | undefined {
  if (typeof port === "number") return c.ports?.some((p) => p.containerPort === port) ? port : undefined;
  return c.ports?.find((p) => p.name === port)?.containerPort;
}

/** The value of a `--flag value` argument, if given. */
function flag(c: IContainer, name: string): string | undefined {
  const args = c.args ?? [];
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

function env(c: IContainer, name: string): IEnvVar | undefined {
  return c.env?.find((e) => e.name === name);
}

/** CPU as a number of cores: "2" → 2, "500m" → 0.5. */
function cores(quantity: string | number | undefined): number {
  if (quantity === undefined) throw new Error("no CPU limit");
  const text = String(quantity);
  return text.endsWith("m") ? Number(text.slice(0, -1)) / 1000 : Number(text);
}

/** The perimeter.yaml a Deployment's Pods read: the ConfigMap mounted where PERIMETER_CONFIG points, loaded by Perimeter's own loader. */
function perimeterConfig(r: Rendered, d: IDeployment): LoadedConfig {
  const c = container(d);
  const path = env(c, "PERIMETER_CONFIG")?.value;
  if (path === undefined) throw new Error(`${d.metadata?.name} sets no PERIMETER_CONFIG`);
  const mount = c.volumeMounts?.find((m) => m.mountPath === dirname(path));
  const volume = podSpec(d).volumes?.find((v) => v.name === mount?.name);
  const configMap = volume?.configMap?.name;
  if (configMap === undefined) throw new Error(`${d.metadata?.name}: no ConfigMap is mounted at ${dirname(path)}`);
  const text = one<IConfigMap>(r, "ConfigMap", configMap).data?.[basename(path)];
  if (text === undefined) throw new Error(`ConfigMap ${configMap} has no ${basename(path)}`);
  const dir = mkdtempSync(join(tmpdir(), "perimeter-k8s-"));
  try {
    writeFileSync(join(dir, "perimeter.yaml"), text);
    // What the Secrets perimeter-database and perimeter-redis give the Pods: the loader must take the file with them.
    return loadConfig({
      path: join(dir, "perimeter.yaml"),
      env: { PERIMETER_DATABASE_URL: "postgres://perimeter@postgres.example:5432/perimeter", PERIMETER_REDIS_URL: "rediss://redis.example:6379" },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The Secrets the operator creates, from the table under "## Secrets to create" in deploy/kubernetes/README.md: name → keys. */
function secretsToCreate(): Map<string, string[]> {
  const readme = readFileSync(join(KUSTOMIZE, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("Secrets to create"));
  if (section === undefined) throw new Error("deploy/kubernetes/README.md has no section '## Secrets to create'");
  const secrets = new Map<string, string[]>();
  for (const line of section.split("\n")) {
    const m = /^\|\s*`([a-z0-9-]+)`\s*\|([^|]*)\|/.exec(line);
    if (m?.[1] === undefined || m[2] === undefined) continue;
    secrets.set(
      m[1],
      [...m[2].matchAll(/`([^`]+)`/g)].map((k) => k[1] as string),
    );
  }
  return secrets;
}

/** Every Secret and ConfigMap a Pod template uses, with the key it reads when it names one. */
function referencesOf(d: IDeployment): { kind: "Secret" | "ConfigMap"; name: string; key?: string }[] {
  const refs: { kind: "Secret" | "ConfigMap"; name: string; key?: string }[] = [];
  const spec = podSpec(d);
  for (const v of spec.volumes ?? []) {
    if (v.secret?.secretName !== undefined) refs.push({ kind: "Secret", name: v.secret.secretName });
    if (v.configMap?.name !== undefined) refs.push({ kind: "ConfigMap", name: v.configMap.name });
    for (const s of v.projected?.sources ?? []) {
      if (s.secret?.name !== undefined) refs.push({ kind: "Secret", name: s.secret.name });
      if (s.configMap?.name !== undefined) refs.push({ kind: "ConfigMap", name: s.configMap.name });
    }
  }
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    for (const e of c.env ?? []) {
      const s = e.valueFrom?.secretKeyRef;
      if (s?.name !== undefined) refs.push({ kind: "Secret", name: s.name, key: s.key });
      const m = e.valueFrom?.configMapKeyRef;
      if (m?.name !== undefined) refs.push({ kind: "ConfigMap", name: m.name, key: m.key });
    }
    for (const f of c.envFrom ?? []) {
      if (f.secretRef?.name !== undefined) refs.push({ kind: "Secret", name: f.secretRef.name });
      if (f.configMapRef?.name !== undefined) refs.push({ kind: "ConfigMap", name: f.configMapRef.name });
    }
  }
  for (const s of spec.imagePullSecrets ?? []) if (s.name !== undefined) refs.push({ kind: "Secret", name: s.name });
  return refs;
}

const isDns = (rule: { to?: INetworkPolicyPeer[]; ports?: INetworkPolicyPort[] }): boolean =>
  (rule.to ?? []).length > 0 &&
  (rule.to ?? []).every(
    (p) => p.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "kube-system" && p.podSelector?.matchLabels?.["k8s-app"] === "kube-dns",
  ) &&
  (rule.ports ?? []).length > 0 &&
  (rule.ports ?? []).every((p) => p.port === 53 && (p.protocol === "UDP" || p.protocol === "TCP"));

type EgressRule = NonNullable<NonNullable<INetworkPolicy["spec"]>["egress"]>[number];

/** What an egress rule reaches: "dns", "port 5432", "runtimes", ... and "open" for a rule with no port limit. */
function egressKind(rule: EgressRule): string {
  const ports = rule.ports ?? [];
  if (ports.length === 0) return "open";
  if (isDns(rule)) return "dns";
  const to = rule.to ?? [];
  if (to.some((p) => p.ipBlock !== undefined)) return `ipBlock ${to.map((p) => p.ipBlock?.cidr).join(",")}`;
  if (to.length > 0 && to.every((p) => p.podSelector?.matchLabels?.["perimeter.dev/runtime"] === "true" && p.namespaceSelector !== undefined))
    return "runtimes";
  if (to.length === 0) return ports.map((p) => `port ${p.port}`).join(",");
  return `to ${JSON.stringify(to)}`;
}

function egressKinds(policy: INetworkPolicy): string[] {
  return (policy.spec?.egress ?? []).map(egressKind);
}

const OVERLAYS = ["base", "overlays/dev", "overlays/prod"] as const;
const rendered = new Map<string, Rendered>();

beforeAll(async () => {
  for (const overlay of OVERLAYS) rendered.set(overlay, await render(overlay));
});

function get(overlay: string): Rendered {
  const r = rendered.get(overlay);
  if (r === undefined) throw new Error(`${overlay} was not rendered`);
  return r;
}

describe.each(OVERLAYS)("deploy/kubernetes/%s", (overlay) => {
  it("renders into objects that each validate against their Kubernetes or CRD schema", () => {
    const r = get(overlay);
    const problems: string[] = [];
    for (const o of r.objects) {
      const what = `${o.apiVersion} ${o.kind} ${o.metadata?.name}`;
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      if (Model === undefined) {
        problems.push(`${what}: no schema to validate it against (add its model to MODELS)`);
        continue;
      }
      try {
        new Model(o as never).validate();
      } catch (err) {
        problems.push(`${what}: ${(err as Error).message}`);
      }
      const namespaced = !CLUSTER_SCOPED.has(o.kind);
      if (namespaced && o.metadata.namespace !== NAMESPACE) problems.push(`${what}: in namespace ${o.metadata.namespace}, not ${NAMESPACE}`);
      if (!namespaced && o.metadata.namespace !== undefined) problems.push(`${what}: cluster-scoped, yet names namespace ${o.metadata.namespace}`);
    }
    expect(problems).toEqual([]);
    expect(r.objects.map((o) => o.kind)).toEqual(
      expect.arrayContaining([
        "Namespace",
        "ServiceAccount",
        "ConfigMap",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "Issuer",
        "Certificate",
        "ValidatingWebhookConfiguration",
        "ServiceMonitor",
      ]),
    );
  });

  it("probes /readyz and /healthz on the port the ConfigMap's perimeter.yaml serves the gateway on, on every address", () => {
    const r = get(overlay);
    const gateway = one<IDeployment>(r, "Deployment", GATEWAY);
    const c = container(gateway);
    const loaded = perimeterConfig(r, gateway);
    const port = Number(flag(c, "--port") ?? loaded.config.gateway.port);
    expect(flag(c, "--host") ?? loaded.config.gateway.host).toBe("0.0.0.0");
    expect(c.readinessProbe?.httpGet?.path).toBe("/readyz");
    expect(containerPort(c, c.readinessProbe?.httpGet?.port)).toBe(port);
    expect(c.livenessProbe?.httpGet?.path).toBe("/healthz");
    expect(containerPort(c, c.livenessProbe?.httpGet?.port)).toBe(port);
    if (c.startupProbe !== undefined) {
      expect(c.startupProbe.httpGet?.path).toBe("/healthz");
      expect(containerPort(c, c.startupProbe.httpGet?.port)).toBe(port);
    }
    // Readiness says when to send calls; liveness must not restart a Pod that is only waiting for its store.
    expect(c.livenessProbe?.httpGet?.path).not.toBe("/readyz");
  });

  it("gives Perimeter a perimeter.yaml its own loader accepts, with every file it names mounted and the ones it writes writable", () => {
    const r = get(overlay);
    for (const d of all<IDeployment>(r, "Deployment")) {
      const loaded = perimeterConfig(r, d);
      expect(loaded.config.store.url).toMatch(/^postgres:\/\//);
      const c = container(d);
      const mounts = c.volumeMounts ?? [];
      const volumes = podSpec(d).volumes ?? [];
      const mountOf = (file: string) => mounts.filter((m) => file.startsWith(`${m.mountPath}/`)).sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
      const read = [loaded.config.audit.signingKey, loaded.config.lifecycle.signingKey, loaded.config.tools.credentials.signingKey];
      for (const file of read) {
        expect(posix.isAbsolute(file), `${file} is resolved against /etc/perimeter, which is read-only`).toBe(true);
        const mount = mountOf(file);
        expect(mount, `${d.metadata?.name}: nothing is mounted where ${file} is`).toBeDefined();
        expect(volumes.find((v) => v.name === mount?.name)?.secret, `${file} should come from a Secret`).toBeDefined();
      }
      const witness = loaded.config.audit.witnessFile;
      expect(witness).toBeDefined();
      const writable = mountOf(witness ?? "");
      expect(writable?.readOnly).not.toBe(true);
      expect(volumes.find((v) => v.name === writable?.name)?.emptyDir, `${d.metadata?.name}: ${witness} should be on an emptyDir`).toBeDefined();
    }
  });

  it("runs every Pod as a non-root user with a read-only root filesystem, no privilege escalation, no capabilities and no token", () => {
    const r = get(overlay);
    const namespace = one<INamespace>(r, "Namespace", NAMESPACE);
    expect(namespace.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const deployments = all<IDeployment>(r, "Deployment");
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([GATEWAY, WEBHOOK]);
    for (const d of deployments) {
      const spec = podSpec(d);
      expect(spec.securityContext?.runAsNonRoot).toBe(true);
      expect(spec.securityContext?.runAsUser).toBeGreaterThan(0);
      expect(spec.securityContext?.seccompProfile?.type).toBe("RuntimeDefault");
      expect(spec.automountServiceAccountToken).toBe(false);
      expect(spec.hostNetwork ?? false).toBe(false);
      expect(spec.hostPID ?? false).toBe(false);
      expect(spec.hostIPC ?? false).toBe(false);
      const account = one<{ automountServiceAccountToken?: boolean }>(r, "ServiceAccount", spec.serviceAccountName ?? "default");
      expect(account.automountServiceAccountToken).toBe(false);
      for (const c of spec.containers) {
        expect(c.securityContext?.readOnlyRootFilesystem).toBe(true);
        expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
        expect(c.securityContext?.privileged ?? false).toBe(false);
        expect(c.securityContext?.capabilities?.drop).toContain("ALL");
        expect(c.securityContext?.capabilities?.add ?? []).toEqual([]);
        expect(c.resources?.requests?.["memory"]).toBeDefined();
        expect(c.resources?.limits?.["memory"]).toBeDefined();
        // The read-only root leaves /tmp for scratch: it must be a volume.
        expect(c.volumeMounts?.some((m) => m.mountPath === "/tmp")).toBe(true);
      }
      for (const v of spec.volumes ?? []) {
        const types = Object.keys(v).filter((k) => k !== "name");
        expect(["configMap", "secret", "emptyDir", "projected"], `${d.metadata.name} volume ${v.name}`).toEqual(expect.arrayContaining(types));
      }
      expect(spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
    }
  });

  it("passes --workers to match the container's CPU, so that scaling is done with Pods", () => {
    const r = get(overlay);
    for (const d of all<IDeployment>(r, "Deployment")) {
      const c = container(d);
      const workers = Number(flag(c, "--workers"));
      expect(Number.isInteger(workers), `${d.metadata.name} passes no --workers`).toBe(true);
      expect(workers).toBe(Math.max(1, Math.floor(cores(c.resources?.limits?.["cpu"]))));
      expect(workers).toBeLessThanOrEqual(2);
      // serve refuses more than one worker when tool servers are configured (their MCP sessions live in one
      // process: planWorkers in src/app/cluster.ts): the Pod would never start.
      if (perimeterConfig(r, d).config.tools.servers.length > 0) expect(workers).toBe(1);
    }
  });

  it("points the HPA and the disruption budgets at the Deployments whose Pods they select", () => {
    const r = get(overlay);
    const deployments = all<IDeployment>(r, "Deployment");
    for (const d of deployments) expect(selects(d.spec?.selector, d.spec?.template.metadata?.labels)).toBe(true);
    const hpa = one<IHorizontalPodAutoscaler>(r, "HorizontalPodAutoscaler", GATEWAY);
    expect(hpa.spec?.scaleTargetRef).toMatchObject({ apiVersion: "apps/v1", kind: "Deployment", name: GATEWAY });
    const gateway = one<IDeployment>(r, "Deployment", GATEWAY);
    expect(hpa.spec?.minReplicas).toBe(gateway.spec?.replicas);
    expect(hpa.spec?.maxReplicas).toBeGreaterThan(hpa.spec?.minReplicas ?? 0);
    expect(hpa.spec?.metrics?.some((m) => m.resource?.name === "cpu")).toBe(true);
    // The HPA's CPU target is a share of the requests: without them it never scales.
    expect(container(gateway).resources?.requests?.["cpu"]).toBeDefined();
    const pdbs = all<IPodDisruptionBudget>(r, "PodDisruptionBudget");
    for (const name of [GATEWAY, WEBHOOK]) {
      const pdb = one<IPodDisruptionBudget>(r, "PodDisruptionBudget", name);
      const covered = deployments.filter((d) => selects(pdb.spec?.selector, d.spec?.template.metadata?.labels));
      expect(covered.map((d) => d.metadata.name)).toEqual([name]);
    }
    expect(pdbs).toHaveLength(2);
  });

  it("has Services that select Pods that exist, on ports those Pods name", () => {
    const r = get(overlay);
    const deployments = all<IDeployment>(r, "Deployment");
    for (const s of all<IService>(r, "Service")) {
      const selector = { matchLabels: s.spec?.selector ?? {} };
      const backends = deployments.filter((d) => selects(selector, d.spec?.template.metadata?.labels));
      expect(
        backends.map((d) => d.metadata.name),
        `Service ${s.metadata.name} selects no Pods`,
      ).toEqual([s.metadata.name]);
      for (const p of s.spec?.ports ?? []) {
        const backend = backends[0];
        if (backend === undefined) continue;
        expect(containerPort(container(backend), p.targetPort), `Service ${s.metadata.name} port ${p.name}`).toBeDefined();
      }
    }
  });

  it("lets the gateway reach only DNS, PostgreSQL, Redis and its runtimes, and the webhook only DNS and PostgreSQL", () => {
    const r = get(overlay);
    const policies = all<INetworkPolicy>(r, "NetworkPolicy");
    const deny = policies.find((p) => Object.keys(p.spec?.podSelector ?? {}).length === 0);
    expect(deny?.spec?.policyTypes?.sort()).toEqual(["Egress", "Ingress"]);
    expect(deny?.spec?.ingress ?? []).toEqual([]);
    expect(deny?.spec?.egress ?? []).toEqual([]);

    const gateway = one<IDeployment>(r, "Deployment", GATEWAY);
    const webhook = one<IDeployment>(r, "Deployment", WEBHOOK);
    const governing = (d: IDeployment) =>
      policies.filter((p) => Object.keys(p.spec?.podSelector ?? {}).length > 0 && selects(p.spec?.podSelector, d.spec?.template.metadata?.labels));
    const [gatewayPolicy, ...moreGateway] = governing(gateway);
    const [webhookPolicy, ...moreWebhook] = governing(webhook);
    expect(moreGateway).toEqual([]);
    expect(moreWebhook).toEqual([]);
    if (gatewayPolicy === undefined || webhookPolicy === undefined) throw new Error("a Deployment has no NetworkPolicy of its own");

    expect(egressKinds(gatewayPolicy).sort()).toEqual(["dns", "port 5432", "port 6379", "runtimes"]);
    expect(egressKinds(webhookPolicy).sort()).toEqual(["dns", "port 5432"]);
    for (const p of [gatewayPolicy, webhookPolicy]) {
      for (const rule of p.spec?.egress ?? []) {
        for (const peer of rule.to ?? []) expect(peer.ipBlock?.cidr ?? "").not.toMatch(/^(0\.0\.0\.0|::)\/0$/);
      }
    }
    // The runtimes: only Pods labelled as runtimes, only in named namespaces.
    const runtimes = (gatewayPolicy.spec?.egress ?? []).find((rule) => egressKind(rule) === "runtimes");
    for (const peer of runtimes?.to ?? []) {
      const ns = peer.namespaceSelector;
      expect(Object.keys(ns?.matchLabels ?? {}).length + (ns?.matchExpressions ?? []).length, "runtimes in any namespace").toBeGreaterThan(0);
    }

    // Ingress: the gateway's port from the labelled client namespaces and from monitoring; the webhook's port
    // from anywhere (the API server is not a Pod), and nothing else.
    const gatewayPort = containerPort(container(gateway), "http");
    const ingressPorts = (p: INetworkPolicy, d: IDeployment) =>
      (p.spec?.ingress ?? []).flatMap((rule) => {
        expect((rule.ports ?? []).length, "an ingress rule open on every port").toBeGreaterThan(0);
        return (rule.ports ?? []).map((port) => containerPort(container(d), port.port));
      });
    expect(new Set(ingressPorts(gatewayPolicy, gateway))).toEqual(new Set([gatewayPort]));
    const sources = (gatewayPolicy.spec?.ingress ?? []).flatMap((rule) => rule.from ?? []);
    expect(sources.map((s) => s.namespaceSelector?.matchLabels)).toEqual(
      expect.arrayContaining([{ "perimeter.dev/gateway-access": "true" }, { "kubernetes.io/metadata.name": "monitoring" }]),
    );
    expect(sources.every((s) => s.namespaceSelector !== undefined && s.ipBlock === undefined)).toBe(true);
    expect(new Set(ingressPorts(webhookPolicy, webhook))).toEqual(new Set([containerPort(container(webhook), "webhook")]));
  });

  it("uses only Secrets and ConfigMaps that it renders or that the README tells the operator to create", () => {
    const r = get(overlay);
    expect(all(r, "Secret"), "Secrets are created by the operator, never rendered").toEqual([]);
    const toCreate = secretsToCreate();
    expect(toCreate.size).toBeGreaterThan(0);
    const configMaps = new Set(all(r, "ConfigMap").map((o) => o.metadata.name));
    const issued = new Set(all<ICertificate>(r, "Certificate").map((c) => c.spec?.secretName));
    const used = new Set<string>();
    for (const d of all<IDeployment>(r, "Deployment")) {
      for (const ref of referencesOf(d)) {
        if (ref.kind === "ConfigMap") {
          expect(configMaps.has(ref.name), `${d.metadata.name} uses ConfigMap ${ref.name}, which is not rendered`).toBe(true);
          continue;
        }
        used.add(ref.name);
        if (issued.has(ref.name)) continue;
        const keys = toCreate.get(ref.name);
        expect(keys, `${d.metadata.name} uses Secret ${ref.name}: render it or list it in the README's "Secrets to create"`).toBeDefined();
        if (ref.key !== undefined) expect(keys, `the README's ${ref.name} should name its key ${ref.key}`).toContain(ref.key);
      }
    }
    // ... and the README lists nothing the Pods do not use.
    for (const name of toCreate.keys()) expect(used.has(name), `the README asks for Secret ${name}, which no Pod uses`).toBe(true);
  });

  it("scrapes /metrics through a ServiceMonitor that selects the gateway Service and names its port", () => {
    const r = get(overlay);
    const monitor = one<IServiceMonitor>(r, "ServiceMonitor", GATEWAY);
    const service = one<IService>(r, "Service", GATEWAY);
    expect(selects(monitor.spec?.selector, service.metadata.labels)).toBe(true);
    const namespaces = monitor.spec?.namespaceSelector?.matchNames ?? [monitor.metadata.namespace];
    expect(namespaces).toContain(service.metadata.namespace);
    const [endpoint] = monitor.spec?.endpoints ?? [];
    expect(endpoint?.path).toBe("/metrics");
    expect(service.spec?.ports?.map((p) => p.name)).toContain(endpoint?.port);
    // ... on the port the gateway serves /metrics on.
    const port = service.spec?.ports?.find((p) => p.name === endpoint?.port);
    const gateway = one<IDeployment>(r, "Deployment", GATEWAY);
    expect(containerPort(container(gateway), port?.targetPort)).toBe(perimeterConfig(r, gateway).config.gateway.port);
  });

  it("registers an admission webhook that fails closed, is reached over a cert-manager certificate, and answers before the API server gives up", () => {
    const r = get(overlay);
    const registration = one<IValidatingWebhookConfiguration>(r, "ValidatingWebhookConfiguration", "models.perimeter.dev");
    const [hook, ...others] = registration.webhooks ?? [];
    expect(others).toEqual([]);
    if (hook === undefined) throw new Error("the ValidatingWebhookConfiguration registers no webhook");
    expect(hook.failurePolicy).toBe("Fail");
    expect(hook.sideEffects).toBe("NoneOnDryRun");
    expect((hook.timeoutSeconds ?? 10) * 1000).toBeGreaterThan(DEFAULT_ADMISSION_TIMEOUT_MS);
    expect(hook.rules?.flatMap((rule) => rule.resources ?? [])).toEqual(expect.arrayContaining(["pods", "pods/ephemeralcontainers"]));
    expect(hook.objectSelector?.matchLabels).toEqual({ "perimeter.dev/model-serving": "true" });
    for (const ns of [NAMESPACE, "kube-system"]) expect(selects(hook.namespaceSelector, { "kubernetes.io/metadata.name": ns })).toBe(false);
    expect(selects(hook.namespaceSelector, { "kubernetes.io/metadata.name": "models-prod" })).toBe(true);

    const target = hook.clientConfig.service;
    expect(target?.path).toBe(WEBHOOK_PATH);
    const service = one<IService>(r, "Service", target?.name ?? "");
    expect(service.metadata.namespace).toBe(target?.namespace);
    const servicePort = service.spec?.ports?.find((p) => p.port === (target?.port ?? 443));
    const webhook = one<IDeployment>(r, "Deployment", WEBHOOK);
    const c = container(webhook);
    expect(containerPort(c, servicePort?.targetPort)).toBe(Number(flag(c, "--webhook-port")));
    expect(flag(c, "--webhook-host")).toBe("0.0.0.0");
    // Its gateway stays inside the Pod: the webhook's port is the only one open.
    expect(flag(c, "--host")).toBe("127.0.0.1");
    // The kubelet has no client certificate: the probes open the socket, never HTTPS.
    for (const probe of [c.readinessProbe, c.livenessProbe]) expect(containerPort(c, probe?.tcpSocket?.port)).toBe(Number(flag(c, "--webhook-port")));

    // cert-manager injects the CA of the Certificate the annotation names, which is issued for the Service's
    // DNS name into the Secret the webhook serves from.
    expect(hook.clientConfig.caBundle).toBeUndefined();
    const [certNamespace, certName] = (registration.metadata.annotations?.["cert-manager.io/inject-ca-from"] ?? "").split("/");
    const certificate = one<ICertificate>(r, "Certificate", certName ?? "");
    expect(certificate.metadata.namespace).toBe(certNamespace);
    expect(certificate.spec?.dnsNames).toContain(`${service.metadata.name}.${service.metadata.namespace}.svc`);
    expect(certificate.spec?.usages).toContain("server auth");
    const issuer = certificate.spec?.issuerRef.name;
    expect(all<{ spec?: { ca?: { secretName: string } } }>(r, "Issuer").find((i) => i.metadata.name === issuer)?.spec?.ca).toBeDefined();
    const tlsVolume = podSpec(webhook).volumes?.find((v) => v.secret?.secretName === certificate.spec?.secretName);
    const tlsMount = c.volumeMounts?.find((m) => m.name === tlsVolume?.name);
    expect(flag(c, "--webhook-tls-cert")).toBe(`${tlsMount?.mountPath}/tls.crt`);
    expect(flag(c, "--webhook-tls-key")).toBe(`${tlsMount?.mountPath}/tls.key`);
    expect(flag(c, "--webhook-client-ca")).toBeDefined();
    expect(c.args).not.toContain("--webhook-insecure-no-client-cert");
  });

  it("renders no private key, token or password", () => {
    const r = get(overlay);
    // In the text, ConfigMap data included: key material, credentials in URLs, API keys, JWTs.
    const leaks = [
      /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
      /-----BEGIN CERTIFICATE-----/,
      /[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/i, // a URL with user:password@
      /\bprm_[A-Za-z0-9]{8,}/, // a Perimeter API key
      /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./, // a JWT
    ];
    for (const pattern of leaks) expect(r.text).not.toMatch(pattern);
    // In the objects: a value under a key that names a credential, and a literal value of an environment
    // variable whose name does (those come from Secrets, by valueFrom).
    const found: string[] = [];
    const walk = (value: unknown, path: string): void => {
      if (Array.isArray(value)) {
        for (const [i, v] of value.entries()) walk(v, `${path}[${i}]`);
      } else if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (typeof record["name"] === "string" && typeof record["value"] === "string" && /PASSWORD|PASSWD|TOKEN|SECRET|API_?KEY|_URL$/i.test(record["name"])) {
          found.push(`${path}: ${record["name"]} has a literal value`);
        }
        for (const [k, v] of Object.entries(record)) {
          if (/^(password|passwd|token|secret|apiKey|api_key|privateKey|private_key|clientSecret|bearerToken)$/i.test(k) && typeof v === "string" && v !== "") {
            found.push(`${path}.${k}`);
          }
          walk(v, `${path}.${k}`);
        }
      }
    };
    for (const o of r.objects) walk(o, `${o.kind}/${o.metadata.name}`);
    expect(found).toEqual([]);
    for (const cm of all<IConfigMap>(r, "ConfigMap")) expect(cm.binaryData).toBeUndefined();
  });
});

describe("deploy/kubernetes overlays", () => {
  it("runs more gateway replicas in prod than in dev, autoscaled 3-10 in prod and 1-2 in dev", () => {
    const dev = get("overlays/dev");
    const prod = get("overlays/prod");
    const replicas = (r: Rendered) => one<IDeployment>(r, "Deployment", GATEWAY).spec?.replicas ?? 1;
    expect(replicas(dev)).toBe(1);
    expect(replicas(prod)).toBeGreaterThanOrEqual(3);
    expect(replicas(prod)).toBeGreaterThan(replicas(dev));
    const hpa = (r: Rendered) => one<IHorizontalPodAutoscaler>(r, "HorizontalPodAutoscaler", GATEWAY).spec;
    expect(hpa(dev)).toMatchObject({ minReplicas: 1, maxReplicas: 2 });
    expect(hpa(prod)).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
    // A drain in prod takes one gateway Pod at a time.
    const pdb = one<IPodDisruptionBudget>(prod, "PodDisruptionBudget", GATEWAY).spec;
    expect(pdb?.maxUnavailable === 1 || Number(pdb?.minAvailable) >= 2).toBe(true);
    expect(one<IDeployment>(prod, "Deployment", WEBHOOK).spec?.replicas).toBeGreaterThanOrEqual(2);
  });

  it("names an image in a registry in prod, by tag or digest and never latest, the same for the gateway and the webhook", () => {
    const prod = get("overlays/prod");
    const images = new Set(all<IDeployment>(prod, "Deployment").map((d) => container(d).image));
    expect(images.size).toBe(1);
    const [image] = images;
    expect(image).toMatch(/^[a-z0-9.-]+\.[a-z]+(:\d+)?\/[a-z0-9/._-]+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$/);
    expect(image).not.toMatch(/:latest$/);
  });
});

describe("Containerfile", () => {
  const text = readFileSync(join(ROOT, "Containerfile"), "utf8");
  const instructions = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const stages = instructions.reduce<string[][]>((acc, line) => {
    if (/^FROM\s/i.test(line)) acc.push([line]);
    else acc.at(-1)?.push(line);
    return acc;
  }, []);
  const runtime = stages.at(-1) ?? [];
  const build = stages.find((s) => /\sAS\s+build$/i.test(s[0] ?? "")) ?? [];

  it("runs the image as a numeric non-root user, the one the Pods run as", () => {
    const users = runtime.filter((l) => /^USER\s/i.test(l));
    const user = users.at(-1)?.replace(/^USER\s+/i, "");
    expect(user).toMatch(/^\d+(:\d+)?$/);
    const [uid, gid] = (user ?? "").split(":").map(Number);
    expect(uid).toBeGreaterThan(0);
    for (const overlay of OVERLAYS) {
      for (const d of all<IDeployment>(get(overlay), "Deployment")) {
        expect(podSpec(d).securityContext?.runAsUser).toBe(uid);
        if (gid !== undefined) expect(podSpec(d).securityContext?.runAsGroup).toBe(gid);
      }
    }
  });

  it("builds with npm ci and npm run build and starts bin/perimeter.js on the bundle it built", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    const runs = build.filter((l) => /^RUN\s/i.test(l)).join("\n");
    expect(runs).toMatch(/\bnpm ci\b/);
    // npm ci runs the prepare script; it must be the build, or the Containerfile must run it.
    expect(pkg.scripts["prepare"] === "npm run build" || /\bnpm run build\b/.test(runs)).toBe(true);
    expect(pkg.scripts["build"]).toContain("scripts/bundle.mjs");
    expect(runs).toMatch(/npm prune --omit=dev/);
    const copies = runtime.filter((l) => /^COPY\s+--from=build\s/i.test(l)).map((l) => l.split(/\s+/).at(-2));
    expect(copies).toEqual(expect.arrayContaining(["/src/dist", "/src/bin", "/src/node_modules", "/src/package.json"]));
    const entrypoint = runtime.find((l) => /^ENTRYPOINT\s/i.test(l))?.replace(/^ENTRYPOINT\s+/i, "");
    expect(JSON.parse(entrypoint ?? "null")).toEqual(expect.arrayContaining(["/app/bin/perimeter.js"]));
    // bin/perimeter.js loads the bundle from dist/bin, which scripts/bundle.mjs writes.
    expect(readFileSync(join(ROOT, "bin/perimeter.js"), "utf8")).toContain("../dist/bin/perimeter.js");
    expect(readFileSync(join(ROOT, "scripts/bundle.mjs"), "utf8")).toContain('outdir: "dist/bin"');
    expect(runtime.find((l) => /^ENV\s/i.test(l))).toMatch(/HOME=\/tmp/);
  });

  it("keeps node_modules, .git, test output, .perimeter and keys out of the build context, and the sources in", () => {
    // .dockerignore as Docker reads it: the last pattern that matches a path (or one of its parents) decides.
    const patterns = readFileSync(join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"))
      .map((l) => {
        const negated = l.startsWith("!");
        const glob = (negated ? l.slice(1) : l).replace(/^\/+|\/+$/g, "");
        const source = glob
          .split("**")
          .map((part) =>
            part
              .replace(/[.+^${}()|[\]\\]/g, "\\$&")
              .replace(/\*/g, "[^/]*")
              .replace(/\?/g, "[^/]"),
          )
          .join(".*");
        return { negated, regex: new RegExp(`^${source.replace(/^\.\*\//, "(.*/)?")}$`) };
      });
    const excluded = (path: string): boolean => {
      const parts = path.split("/");
      const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
      let out = false;
      for (const p of patterns) if (prefixes.some((prefix) => p.regex.test(prefix))) out = !p.negated;
      return out;
    };
    for (const path of [
      "node_modules/yaml/package.json",
      ".git/HEAD",
      ".perimeter/perimeter.db",
      ".perimeter/audit-signing-key.pem",
      "src/.perimeter/audit-signing-key.pem",
      "coverage/index.html",
      "dist/bin/perimeter.js",
      "test/config/load.test.ts",
      "perimeter.yaml",
      ".scratch/notes.txt",
      "debug.log",
    ]) {
      expect(excluded(path), `${path} would be sent to the image build`).toBe(true);
    }
    for (const path of [
      "package.json",
      "package-lock.json",
      "tsconfig.json",
      "tsconfig.build.json",
      "bin/perimeter.js",
      "scripts/bundle.mjs",
      "src/cli/main.ts",
      "src/guards/injection-weights.bin",
      "src/web/app/index.html",
    ]) {
      expect(excluded(path), `${path} is needed by the image build`).toBe(false);
    }
  });
});
