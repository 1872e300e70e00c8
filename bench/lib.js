"use strict";
// Shared benchmark helpers: run commands alternately (so machine noise hits every variant
// alike), take medians, and record the machine, so results in one run compare as ratios.
const { spawnSync } = require("child_process");
const os = require("os");

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Runs each variant `runs` times, interleaved; returns { name: [seconds...] }. */
function timeAlternately(variants, runs, options = {}) {
  const times = Object.fromEntries(variants.map((v) => [v.name, []]));
  for (let i = 0; i < runs; i++) {
    for (const v of variants) {
      const start = process.hrtime.bigint();
      const r = spawnSync(v.cmd, v.args, {
        stdio: "pipe",
        encoding: "utf8",
        shell: false,
        maxBuffer: 64 * 1024 * 1024,
        ...options,
        ...(v.cwd ? { cwd: v.cwd } : {}),
        env: { ...process.env, CHECKPOINT_DISABLE: "1", ...(v.env || {}) },
      });
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (r.status !== 0) throw new Error(`${v.name} failed (${r.status}): ${r.stderr || r.stdout}`);
      times[v.name].push(seconds);
    }
  }
  return times;
}

function machine() {
  return `${os.cpus().length} × ${os.cpus()[0].model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

module.exports = { median, timeAlternately, machine };
