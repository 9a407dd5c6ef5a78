import { z } from "zod";

// Every option has a default, so Perimeter starts with no config file at all.

const storeSchema = z
  .strictObject({
    /** postgres://... switches from the embedded SQLite file to PostgreSQL. PERIMETER_DATABASE_URL overrides. */
    url: z.string().regex(/^postgres(ql)?:\/\//, "a postgres:// or postgresql:// URL").optional(),
    /** The embedded SQLite database file. */
    sqlitePath: z.string().min(1).default(".perimeter/perimeter.db"),
    /** PostgreSQL schema that holds Perimeter's tables (created if missing). */
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, "a lower-case SQL identifier")
      .default("public"),
    /** Connections in the PostgreSQL pool. */
    poolSize: z.number().int().min(1).max(200).default(10),
  })
  .default({ sqlitePath: ".perimeter/perimeter.db", schema: "public", poolSize: 10 });

const auditSchema = z
  .strictObject({
    /** Ed25519 private key (PKCS#8 PEM) that signs checkpoints; kept outside the database, created if missing. */
    signingKey: z.string().min(1).default(".perimeter/audit-signing-key.pem"),
    /** Extra Ed25519 public keys (PEM files) whose checkpoints verify, e.g. keys rotated out. */
    trustedKeys: z.array(z.string().min(1)).default([]),
    /** The log's name inside each signed checkpoint. */
    origin: z.string().min(1).max(200).regex(/^[^\s+]+$/, "a name with no spaces or plus signs, e.g. example.com/audit").default("perimeter.local/audit"),
    /** Persist a signed checkpoint every N events ... */
    checkpointEvery: z.number().int().min(1).max(1_000_000).default(1000),
    /** ... or when this many seconds have passed since the last one and new events exist. */
    checkpointSeconds: z.number().int().min(1).max(86_400).default(60),
  })
  .default({
    signingKey: ".perimeter/audit-signing-key.pem",
    trustedKeys: [],
    origin: "perimeter.local/audit",
    checkpointEvery: 1000,
    checkpointSeconds: 60,
  });

const scanSchema = z
  .strictObject({
    /** Extra pickle imports to trust, as "module.name" or "module.*" (e.g. a framework's own classes). */
    allow: z.array(z.string().regex(/^[A-Za-z_][\w.]*\.(\*|[A-Za-z_]\w*)$/, "module.name or module.*")).default([]),
    /** Archives inside archives are opened this deep. */
    maxDepth: z.number().int().min(1).max(16).default(4),
    /** A compressed member or pickle is read up to this many MiB; beyond, it is unscannable. */
    maxInflateMiB: z.number().int().min(1).max(65_536).default(1024),
  })
  .default({ allow: [], maxDepth: 4, maxInflateMiB: 1024 });

const inventorySchema = z
  .strictObject({
    /** Environment a model version or runtime is registered for when none is named. */
    defaultEnvironment: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "a lower-case name such as prod").default("default"),
    /** How long discovery waits for a runtime to answer. */
    discoveryTimeoutSeconds: z.number().int().min(1).max(600).default(10),
    /** Licences beyond Perimeter's table, by id (e.g. LicenseRef-acme-internal), with the tier they belong to. */
    licenses: z
      .record(
        z.string().min(1).max(200),
        z.strictObject({
          tier: z.enum(["permissive", "copyleft", "restricted-use", "non-commercial"]),
          description: z.string().min(1).max(500),
        }),
      )
      .default({}),
  })
  .default({ defaultEnvironment: "default", discoveryTimeoutSeconds: 10, licenses: {} });

const logSchema = z
  .strictObject({
    level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .default({ level: "info" });

export const configSchema = z.strictObject({
  store: storeSchema,
  audit: auditSchema,
  scan: scanSchema,
  inventory: inventorySchema,
  log: logSchema,
});

export type Config = z.infer<typeof configSchema>;
export type StoreConfig = Config["store"];
export type AuditConfig = Config["audit"];
export type ScanConfig = Config["scan"];
export type InventoryConfig = Config["inventory"];
