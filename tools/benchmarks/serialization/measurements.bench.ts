import { availableParallelism, cpus, totalmem } from 'node:os';
import { gatewayIsBuilt } from '../support/gateway-process';
import { runAwkwardShapes } from './awkward-shapes.scenario';
import { runGatewayLargeStates } from './gateway-large-states.scenario';
import { runInlineThreshold } from './inline-threshold.scenario';
import { runLargeStates } from './large-states.scenario';
import {
  EVENTS_PER_ROUND,
  SMALL_EVENT_ROUNDS,
  keepResultsAlive,
  runSmallEvents,
} from './small-events.scenario';

/* Runs every scenario in one process and prints the tables docs/BENCHMARKS.md records. */

const requested = new Set(process.argv.slice(2));
const wanted = (scenario: string): boolean => requested.size === 0 || requested.has(scenario);
const fixed = (value: number, digits = 2): string => value.toFixed(digits);

async function main(): Promise<void> {
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}\n`,
  );

  if (wanted('threshold')) await printInlineThreshold();
  if (wanted('small')) await printSmallEvents();
  if (wanted('large')) await printLargeStates();
  if (wanted('gateway')) await printGatewayLargeStates();
  if (wanted('shapes')) await printAwkwardShapes();
  if (keepResultsAlive() < 0) console.log('unreachable');
}

async function printInlineThreshold(): Promise<void> {
  console.log('## Inline threshold (median of 15, ms)');
  console.log(
    '| size | inline, plain (blocks) | inline, converted (blocks) | sliced (latency) | worker, deferred (latency) |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (const row of await runInlineThreshold()) {
    console.log(
      `| ${row.sizeKib} KiB | ${fixed(row.inlinePlainMs, 3)} | ${fixed(row.inlineConvertMs, 3)} | ` +
        `${fixed(row.slicedMs)} | ${fixed(row.workerMs)} |`,
    );
  }
}

async function printSmallEvents(): Promise<void> {
  const rows = await runSmallEvents();
  console.log(
    `\n## Small events: the lib's fast path vs plain JSON.stringify (median of ${SMALL_EVENT_ROUNDS} ` +
      `rounds of ${EVENTS_PER_ROUND}, ns/event; ratio: median of the rounds' own ratios)`,
  );
  console.log(
    '| event | JSON.stringify | serializeInline() + stringify | ratio | await serialize() + stringify | ratio | ' +
      'bare for...in + stringify (the floor) | ratio |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    console.log(
      `| ${row.type} | ${fixed(row.plainNs, 0)} | ${fixed(row.syncNs, 0)} | ${fixed(row.syncRatio)} | ` +
        `${fixed(row.asyncNs, 0)} | ${fixed(row.asyncRatio)} | ${fixed(row.floorNs, 0)} | ` +
        `${fixed(row.floorRatio)} |`,
    );
  }
  console.log(
    '\n## Small events on the way to the wire: the gateway (fast path, marked envelope, its encoder) ' +
      "vs plain JSON.stringify of the packet and vs socket.io's own encoder (same rounds, ns/event)",
  );
  console.log(
    "| event | JSON.stringify of the packet | socket.io's encoder | gateway | vs JSON.stringify | vs socket.io |",
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    console.log(
      `| ${row.type} | ${fixed(row.plainWireNs, 0)} | ${fixed(row.socketIoNs, 0)} | ` +
        `${fixed(row.gatewayNs, 0)} | ${fixed(row.gatewayVsPlainWire)} | ${fixed(row.gatewayVsSocketIo)} |`,
    );
  }
}

async function printLargeStates(): Promise<void> {
  console.log(
    '\n## Large states sent over socket.io: main-thread event-loop delay (3 sends each, ms)',
  );
  console.log('| state | mode | p99 | max | longest GC | wall | result |');
  console.log('| ---: | --- | ---: | ---: | ---: | ---: | --- |');
  for (const row of bySize(await runLargeStates())) {
    console.log(
      `${delayCells(row.sizeMb, row.mode, row.delay, row.delay.wallMs)} ${row.outcome} |`,
    );
  }
}

async function printAwkwardShapes(): Promise<void> {
  console.log(
    '\n## Awkward main-thread states: event-loop delay while serializing alone (median of 3, ms)',
  );
  console.log('| state | mode | p99 | max | wall | result |');
  console.log('| --- | --- | ---: | ---: | ---: | --- |');
  for (const row of await runAwkwardShapes()) {
    console.log(
      `| ${row.shape} | ${row.mode} | ${fixed(row.p99Ms, 1)} | ${fixed(row.maxMs, 1)} | ` +
        `${fixed(row.wallMs, 0)} | ${row.outcome} |`,
    );
  }
}

async function printGatewayLargeStates(): Promise<void> {
  console.log(
    '\n## Large states through the built gateway: its event-loop delay (3 runs each, ms)',
  );
  if (!gatewayIsBuilt()) {
    console.log('skipped: build the gateway first with `npx nx build gateway`');
    return;
  }
  console.log('| state | mode | p99 | max | longest GC | wall |');
  console.log('| ---: | --- | ---: | ---: | ---: | ---: |');
  for (const row of bySize(await runGatewayLargeStates())) {
    const turn = row.delay.longestTurn;
    // LOOP_PROBE_SCHEDSTAT=1: one more cell, whose was the longest turn (the gateway rows only).
    const turnCell = turn
      ? ` longest turn ${fixed(turn.ms, 1)}: running ${fixed(turn.runningMs, 1)}, ` +
        `waiting ${fixed(turn.waitingMs, 1)}, machine's steal ${fixed(turn.stolenMs, 0)} |`
      : '';
    console.log(delayCells(row.sizeMb, row.mode, row.delay, row.wallMs) + turnCell);
  }
}

function bySize<T extends { sizeMb: number }>(rows: T[]): T[] {
  return [...rows].sort((a, b) => a.sizeMb - b.sizeMb);
}

/** The cells both large-state tables share, up to and including wall time. */
function delayCells(
  sizeMb: number,
  mode: string,
  delay: { p99Ms: number; maxMs: number; longestGcMs: number },
  wallMs: number,
): string {
  return (
    `| ${sizeMb} MB | ${mode} | ${fixed(delay.p99Ms, 1)} | ${fixed(delay.maxMs, 1)} | ` +
    `${fixed(delay.longestGcMs, 1)} | ${fixed(wallMs, 0)} |`
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
