#!/usr/bin/env node
// The published command runs the compiled CLI (`npm run build`, which `npm ci` runs through `prepare`).
import "../dist/cli/main.js";
