// The kill switch lives in src/killswitch/; the gateway's names for it stay here.
export { InFlight, kill, KILL_KINDS, KillSet, lift, listKills, type InFlightCall, type Kill, type KillKind } from "../killswitch/index.js";
