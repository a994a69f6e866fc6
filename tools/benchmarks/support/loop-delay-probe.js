// Preloaded into a process under benchmark only (node -r this-file, started with an IPC channel):
// measures the main thread's event-loop delay from outside, at 1 ms resolution, the way the
// serialization benchmark measures its own. 'loop-delay:start' begins a window;
// 'loop-delay:stop' ends it and answers { p99Ms, maxMs, longestGcMs }.
// With LOOP_PROBE_SCHEDSTAT=1 (Linux) it also tells, for the longest turn of the window, how much
// of it the main thread spent running and how much waiting for a core, from
// /proc/self/task/<pid>/schedstat read every millisecond: whether a long turn was our work (or
// the collector's) or the machine's. Off by default: the reads cost the loop a little.
// On a virtual machine the hypervisor can also take the core away from the whole guest (steal
// time): the kernel counts that as neither running nor waiting, so a turn that did neither is
// told by the machine's steal time over it, from /proc/stat (in ticks of 10 ms, both cores).
const { readFileSync } = require('node:fs');
const { monitorEventLoopDelay, performance, PerformanceObserver } = require('node:perf_hooks');

const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
const schedstatOn = process.env.LOOP_PROBE_SCHEDSTAT === '1';
let turnTimer;
let longestTurn;

/** Nanoseconds the main thread has run and waited on a run queue, as the kernel counts them. */
function schedstat() {
  const [runNs, waitNs] = readFileSync(SCHEDSTAT, 'utf8').split(' ').map(Number);
  return { runNs, waitNs };
}

/** Milliseconds of CPU time the hypervisor took from this machine's cores since boot. */
function stealMs() {
  const firstLine = readFileSync('/proc/stat', 'utf8').slice(0, 200).split('\n', 1)[0];
  // cpu user nice system idle iowait irq softirq steal ...; USER_HZ is 100 on Linux.
  return Number(firstLine.trim().split(/\s+/)[8] ?? 0) * 10;
}
function sample() {
  return { at: performance.now(), ...schedstat(), stealMs: stealMs() };
}
function watchTurns() {
  let last = sample();
  longestTurn = { ms: 0, runningMs: 0, waitingMs: 0, stolenMs: 0 };
  turnTimer = setInterval(() => {
    const now = sample();
    const ms = now.at - last.at;
    if (ms > longestTurn.ms) {
      longestTurn = {
        ms,
        runningMs: (now.runNs - last.runNs) / 1e6,
        waitingMs: (now.waitNs - last.waitNs) / 1e6,
        stolenMs: now.stealMs - last.stealMs,
      };
    }
    last = now;
  }, 1);
}

let histogram;
let longestGcMs = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) longestGcMs = Math.max(longestGcMs, entry.duration);
});

process.on('message', (message) => {
  if (message === 'loop-delay:start') {
    histogram = monitorEventLoopDelay({ resolution: 1 });
    longestGcMs = 0;
    gcObserver.observe({ entryTypes: ['gc'] });
    histogram.enable();
    if (schedstatOn) watchTurns();
  } else if (message === 'loop-delay:stop' && histogram !== undefined) {
    histogram.disable();
    clearInterval(turnTimer);
    // GC entries arrive asynchronously: let the last ones in before answering.
    setImmediate(() => {
      gcObserver.disconnect();
      process.send?.({
        type: 'loop-delay',
        p99Ms: histogram.percentile(99) / 1e6,
        maxMs: histogram.max / 1e6,
        longestGcMs,
        ...(schedstatOn ? { longestTurn } : {}),
      });
      histogram = undefined;
    });
  }
});
