// Preloaded into a process under benchmark only (node -r this-file, started with an IPC channel):
// measures the main thread's event-loop delay from outside, at 1 ms resolution, the way the
// serialization benchmark measures its own. 'loop-delay:start' begins a window;
// 'loop-delay:stop' ends it and answers { p99Ms, maxMs, longestGcMs }.
const { monitorEventLoopDelay, PerformanceObserver } = require('node:perf_hooks');

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
  } else if (message === 'loop-delay:stop' && histogram !== undefined) {
    histogram.disable();
    // GC entries arrive asynchronously: let the last ones in before answering.
    setImmediate(() => {
      gcObserver.disconnect();
      process.send?.({
        type: 'loop-delay',
        p99Ms: histogram.percentile(99) / 1e6,
        maxMs: histogram.max / 1e6,
        longestGcMs,
      });
      histogram = undefined;
    });
  }
});
