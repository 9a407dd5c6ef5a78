#!/usr/bin/env node
import { main } from "../dist/bin/perimeter.js";

process.exitCode = await main(process.argv.slice(2));
