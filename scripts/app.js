#!/usr/bin/env node
// cdktf.json's "app": transpile main.ts with esbuild (types are checked by `npm test`, not here;
// unchanged sources reuse the last transpile), then synthesize. Needs nothing beyond `npm ci`.
"use strict";
const { transpile } = require("./transpile");

require(transpile("main.ts")).runApp();
