import type { Command } from "commander";
import { EXIT, PerimeterError } from "../errors.js";
import { IdentityService, identityStatus, liveKeys } from "../identity/service.js";
import { IDENTITY_KINDS, type IdentityKind, type IdentityRecord } from "../identity/types.js";
import { scopeUse } from "../identity/scope-use.js";
import { addViewCommand, collect, parseFormat, printJson, printTable, resolveActor, withContext, type Cli, type Context } from "./context.js";

// perimeter identity create|list|show|rotate|revoke — non-human identities and their API keys. A revoked
// identity's name may be used again; the revoked one stays in the record (identity list --all).

const SHOWN_ONCE = "This key is shown once and cannot be shown again: store it in a secret manager now. Perimeter keeps only its hash.";

export function registerIdentity(program: Command, cli: Cli): void {
  const identity = program
    .command("identity")
    .description("non-human identities (service accounts, agents, pipelines) and their API keys: create, list, show, rotate, revoke");

  identity
    .command("create")
    .description("create an identity and its first API key (printed once)")
    .argument("<name>", "a name such as support-bot or nightly-eval")
    .option("--kind <kind>", IDENTITY_KINDS.join(", "), "service-account")
    .option("--owner <owner>", "the team or person accountable for it (default: the actor)")
    .option("--environment <env>", "the environment it calls models in (default: inventory.defaultEnvironment)")
    .option("--expires-in <duration>", "when the identity stops working, e.g. 30d, 12h, 90m (default: never)")
    .option("--scope <scope>", "a scope it holds (repeatable), e.g. models:llama-3.1", collect, [] as string[])
    .option("--format <format>", "text or json", "text")
    .option("--actor <name>", "who creates it (default: PERIMETER_ACTOR, else the OS user)")
    .action(
      cli.run(async (name: string, opts: CreateOptions) => {
        const format = parseFormat(opts.format, ["text", "json"] as const);
        const kind = parseFormat(opts.kind, IDENTITY_KINDS, "--kind") as IdentityKind;
        const actor = resolveActor(opts.actor);
        const expiresAt = opts.expiresIn === undefined ? undefined : new Date(Date.now() + parseDuration(opts.expiresIn, "--expires-in", false) * 1000);
        return withContext(cli.globals(), async (ctx) => {
          const issued = await service(ctx).create({
            name,
            kind,
            owner: opts.owner ?? actor,
            environment: opts.environment ?? ctx.loaded.config.inventory.defaultEnvironment,
            expiresAt,
            scopes: opts.scope,
            actor,
          });
          const { keys: _keys, ...shown } = issued.identity;
          if (format === "json") printJson({ ...shown, keyId: issued.keyId, key: issued.key });
          else {
            const r = issued.identity;
            process.stdout.write(
              `created identity ${r.name} (${r.id}): ${r.kind} owned by ${r.owner} in ${r.environment}, ${r.expiresAt === null ? "no expiry" : `expires ${r.expiresAt}`}\n`,
            );
            printKey(issued.key);
          }
          return EXIT.ok;
        });
      }),
    );

  const listOptions = [["--all", "revoked identities too (a name used again appears once per identity)"]] as const;
  addViewCommand(
    identity,
    cli,
    { name: "list", description: "list identities not revoked: status, live keys, last use, expiry (never the keys)", options: listOptions },
    async (ctx, _arg, opts) => {
      const now = new Date();
      const records = await service(ctx).list({ all: opts["all"] === true });
      return {
        json: records.map((r) => summary(r, now)),
        print: () => {
          if (records.length === 0)
            process.stdout.write(
              `no identities${opts["all"] === true ? "" : " (revoked ones are listed with --all)"}: create one with perimeter identity create NAME --owner TEAM\n`,
            );
          else {
            printTable(
              ["NAME", "ID", "KIND", "OWNER", "ENVIRONMENT", "STATUS", "KEYS", "LAST USED", "EXPIRES"],
              records.map((r) => [
                r.name,
                r.id,
                r.kind,
                r.owner,
                r.environment,
                identityStatus(r, now),
                String(liveKeys(r, now).length),
                r.lastUsedAt ?? "never",
                r.expiresAt ?? "never",
              ]),
            );
          }
        },
      };
    },
  );

  addViewCommand(
    identity,
    cli,
    {
      name: "show",
      description: "show one identity and its keys (ids and dates only); by name, the one not revoked, else the one revoked last",
      argument: "<id|name>",
    },
    async (ctx, ref) => {
      const now = new Date();
      const r = await service(ctx).get(ref);
      const use = (await scopeUse(ctx.store, [r])).get(r.id) ?? [];
      const keys = r.keys.map((k) => ({
        ...k,
        status: k.revokedAt !== null ? "revoked" : k.expiresAt !== null && Date.parse(k.expiresAt) <= now.getTime() ? "expired" : "live",
      }));
      return {
        json: { ...summary(r, now), keys, scopeUse: use },
        print: () => {
          const lines: Array<[string, string]> = [
            ["id", r.id],
            ["kind", r.kind],
            ["owner", r.owner],
            ["environment", r.environment],
            ["status", identityStatus(r, now) + (r.revokedReason === null ? "" : ` (${r.revokedReason})`)],
            ["scopes", use.map((u) => `${u.scope} (${u.lastUsedAt === null ? "never needed" : `last needed ${u.lastUsedAt}`})`).join(", ") || "-"],
            ["expires", r.expiresAt ?? "never"],
            ["created", `${r.createdAt} by ${r.createdBy}`],
            ["last used", r.lastUsedAt ?? "never"],
          ];
          process.stdout.write(`${r.name}\n`);
          for (const [k, v] of lines) process.stdout.write(`  ${k.padEnd(12)}${v}\n`);
          for (const k of keys)
            process.stdout.write(`  key ${k.id}  ${k.status}  created ${k.createdAt}  expires ${k.expiresAt ?? "-"}  last used ${k.lastUsedAt ?? "never"}\n`);
        },
      };
    },
  );

  identity
    .command("rotate")
    .description("issue a new API key; the old keys keep working for the overlap, then are refused")
    .argument("<id|name>")
    .option("--overlap <duration>", "how long the old keys keep working, e.g. 1h, 0s (default: identity.rotationOverlapSeconds)")
    .option("--format <format>", "text or json", "text")
    .option("--actor <name>", "who rotates it")
    .action(
      cli.run(async (ref: string, opts: { overlap?: string; format: string; actor?: string }) => {
        const format = parseFormat(opts.format, ["text", "json"] as const);
        const actor = resolveActor(opts.actor);
        const overlapSeconds = opts.overlap === undefined ? undefined : parseDuration(opts.overlap, "--overlap", true);
        return withContext(cli.globals(), async (ctx) => {
          const rotated = await service(ctx).rotate(ref, { actor, overlapSeconds });
          const r = rotated.identity;
          if (format === "json") {
            printJson({
              id: r.id,
              name: r.name,
              keyId: rotated.keyId,
              key: rotated.key,
              previousKeys: rotated.previousKeys,
              previousKeysExpireAt: rotated.previousKeysExpireAt,
            });
          } else {
            process.stdout.write(`rotated ${r.name} (${r.id}): new key ${rotated.keyId}`);
            process.stdout.write(
              rotated.previousKeys.length === 0
                ? "\n"
                : `; ${rotated.previousKeys.join(", ")} ${rotated.previousKeys.length === 1 ? "keeps" : "keep"} working until ${rotated.previousKeysExpireAt}\n`,
            );
            printKey(rotated.key);
          }
          return EXIT.ok;
        });
      }),
    );

  identity
    .command("revoke")
    .description("revoke an identity: every one of its keys is refused from now on")
    .argument("<id|name>")
    .requiredOption("--reason <text>", "why, for the audit log")
    .option("--actor <name>", "who revokes it")
    .action(
      cli.run(async (ref: string, opts: { reason: string; actor?: string }) => {
        const actor = resolveActor(opts.actor);
        return withContext(cli.globals(), async (ctx) => {
          const r = await service(ctx).revoke(ref, { actor, reason: opts.reason });
          process.stdout.write(`revoked ${r.name} (${r.id}): its ${r.keys.length} key(s) are refused from now on (by running gateways within a second)\n`);
          return EXIT.ok;
        });
      }),
    );
}

interface CreateOptions {
  kind: string;
  owner?: string;
  environment?: string;
  expiresIn?: string;
  scope: string[];
  format: string;
  actor?: string;
}

function service(ctx: Context): IdentityService {
  return new IdentityService({ store: ctx.store, audit: ctx.audit, config: ctx.loaded.config.identity });
}

/** What list prints per identity: the record without key rows, with its status and live key count. */
function summary(r: IdentityRecord, now: Date) {
  const { keys: _keys, ...rest } = r;
  return { ...rest, status: identityStatus(r, now), liveKeys: liveKeys(r, now).length };
}

function printKey(key: string): void {
  process.stdout.write(`\n  ${key}\n\n${SHOWN_ONCE}\n`);
}

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;
/** Ten years: longer than any credential should live, short enough to stay a valid date. */
const MAX_DURATION_SECONDS = 3650 * 86_400;

/** A duration such as 30d, 12h, 90m, 45s or 2w, in seconds. */
export function parseDuration(value: string, option: string, allowZero: boolean): number {
  const match = /^([0-9]{1,7})([smhdw])$/.exec(value);
  const seconds = match === null ? NaN : Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  if (Number.isNaN(seconds) || seconds > MAX_DURATION_SECONDS || (!allowZero && seconds === 0)) {
    throw new PerimeterError(
      "USAGE",
      `${option} must be a ${allowZero ? "" : "positive "}number with a unit s, m, h, d or w (e.g. 30d, 12h), at most 3650d, not "${value}"`,
    );
  }
  return seconds;
}
