import * as fs from "node:fs";
import { float32ToFloat16Bits } from "./src/formats/gguf.js";
const vals = [0, -0, 1, -2, 0.1, 65504, 65519, 65520, 1e-8, 5.96e-8, 2.98e-8, 2.9802322387695312e-8, 6.1e-5, 6.097555e-5, 3.0e-5, 1/3, Infinity, -Infinity, NaN, 1.0009765625, 1.00048828125, 1.00146484375, 2049, 2051];
console.log(JSON.stringify(vals.map(v => float32ToFloat16Bits(v))));
// random sample
let s = 1; const rnd = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
const rs: number[] = []; for (let i = 0; i < 20000; i++) rs.push((rnd()*2-1) * Math.pow(2, Math.floor(rnd()*60) - 30));
const f = new Float32Array(rs);
fs.writeFileSync("/tmp/f16in.bin", Buffer.from(f.buffer));
fs.writeFileSync("/tmp/f16out.bin", Buffer.from(new Uint16Array([...f].map(float32ToFloat16Bits)).buffer));
