import type { Command } from "commander";
import { registerAudit } from "./audit.js";
import { registerConfig } from "./config.js";
import type { Cli } from "./context.js";
import { registerDashboard } from "./dashboard.js";
import { registerDemoModel } from "./demo-model.js";
import { registerIdentity } from "./identity.js";
import { registerScan } from "./scan.js";
import { registerSigning } from "./signing.js";
import { registerInventoryCommands } from "./inventory.js";
import { registerLifecycle } from "./lifecycle.js";
import { registerServe } from "./serve.js";
import { referenceAdmitter, storeSource } from "../lifecycle/admission.js";
import { resolveTrustedSigners } from "../lifecycle/signers.js";
import { registerModelCommands } from "./model.js";
import { registerPolicy } from "./policy.js";
import { registerPosture } from "./posture.js";
import { registerReport } from "./report.js";
import { registerGuard } from "./guard.js";
import { registerKill } from "./kill.js";
import { registerTools } from "./tools.js";
import { registerUp } from "./up.js";
import { registerEval } from "./eval.js";
import { registerRuntimeCommands } from "./runtime.js";

// Every command group, in the order `perimeter --help` lists them. Loaded by main.ts only when the command
// needs more than one group (see SELF_CONTAINED there).

export function registerCommands(program: Command, cli: Cli): void {
  registerUp(program, cli);
  registerScan(program, cli);
  registerSigning(program, cli);
  registerDemoModel(program, cli);
  registerModelCommands(program, cli);
  registerRuntimeCommands(program, cli);
  registerInventoryCommands(program, cli);
  registerPosture(program, cli);
  registerReport(program, cli);
  registerLifecycle(program, cli);
  registerServe(program, cli, (ctx) => referenceAdmitter(storeSource(ctx.store, resolveTrustedSigners(ctx.loaded))));
  registerPolicy(program, cli);
  registerGuard(program, cli);
  registerEval(program, cli);
  registerIdentity(program, cli);
  registerTools(program, cli);
  registerKill(program, cli);
  registerAudit(program, cli);
  registerDashboard(program, cli);
  registerConfig(program, cli);
}
