import { availableParallelism, cpus, totalmem } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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
  console.log(
    `\n## Small events: fast path vs plain JSON.stringify (median of ${SMALL_EVENT_ROUNDS} rounds of ` +
      `${EVENTS_PER_ROUND}, ns/event; ratio: median of the rounds' own ratios)`,
  );
  console.log(
    '| event | JSON.stringify | await serialize() + stringify | ratio | serializeInline() + stringify | ratio |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of await runSmallEvents()) {
    console.log(
      `| ${row.type} | ${fixed(row.plainNs, 0)} | ${fixed(row.asyncNs, 0)} | ` +
        `${fixed(row.asyncRatio)} | ${fixed(row.syncNs, 0)} | ${fixed(row.syncRatio)} |`,
    );
  }
}

async function printLargeStates(): Promise<void> {
  console.log(
    '\n## Large states sent over socket.io: main-thread event-loop delay (3 sends each, ms)',
  );
  console.log('| state | mode | p99 | max | longest GC | wall | result |');
  console.log('| ---: | --- | ---: | ---: | ---: | ---: | --- |');
  const rows = await runLargeStates();
  rows.sort((a, b) => a.sizeMb - b.sizeMb);
  for (const row of rows) {
    console.log(
      `| ${row.sizeMb} MB | ${row.mode} | ${fixed(row.delay.p99Ms, 1)} | ${fixed(row.delay.maxMs, 1)} | ` +
        `${fixed(row.delay.longestGcMs, 1)} | ${fixed(row.delay.wallMs, 0)} | ${row.outcome} |`,
    );
  }
}

async function printGatewayLargeStates(): Promise<void> {
  console.log(
    '\n## Large states through the built gateway: its event-loop delay (3 runs each, ms)',
  );
  const bundle = join(__dirname, '..', '..', '..', 'dist', 'apps', 'gateway', 'main.js');
  if (!existsSync(bundle)) {
    console.log('skipped: build the gateway first with `npx nx build gateway`');
    return;
  }
  console.log('| state | mode | p99 | max | longest GC | wall |');
  console.log('| ---: | --- | ---: | ---: | ---: | ---: |');
  const rows = await runGatewayLargeStates();
  rows.sort((a, b) => a.sizeMb - b.sizeMb);
  for (const row of rows) {
    console.log(
      `| ${row.sizeMb} MB | ${row.mode} | ${fixed(row.delay.p99Ms, 1)} | ${fixed(row.delay.maxMs, 1)} | ` +
        `${fixed(row.delay.longestGcMs, 1)} | ${fixed(row.wallMs, 0)} |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
