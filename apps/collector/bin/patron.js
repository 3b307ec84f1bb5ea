#!/usr/bin/env node
// The command is built into dist/ by `pnpm build`; this file exists before the build so that
// package managers can link it at install time.
import '../dist/cli.js';
