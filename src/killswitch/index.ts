// The kill switch: one service the gateway, admission, the Kubernetes webhook and the control API consult.
export { describeKill, InFlight, KILL_KINDS, KillSet, type InFlightCall, type Kill, type KillKind } from "./kill-set.js";
export { kill, KillSwitch, lift, listKills, type KillInput, type KillSwitchDeps, type KillView, type ResolvedTarget } from "./service.js";
