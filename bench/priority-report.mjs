// Renders the results of bench/priority.mjs: the "Measured" section of docs/priority.md and an SVG
// chart of success rate per tier, and of goodput, against load.

/** Whether a summary of requests (a probe, a step or a window) meets the capacity criteria. */
export const meetsCapacityCriteria = (summary, criteria) => summary.success >= criteria.minSuccess && summary.p90 < criteria.maxP90Ms;

// A dash stands for a figure with no data, such as the p99 of a class where no request succeeded.
export const pct = (share, digits = 0) => (Number.isFinite(share) ? `${(share * 100).toFixed(digits)}%` : '–');
export const ms = (value) => (Number.isFinite(value) ? `${value < 10 ? value.toFixed(1) : Math.round(value)} ms` : '–');
const count = (value) => Math.round(value).toLocaleString('en');

const classLabels = { platinum: 'platinum', gold: 'gold', silver: 'silver', bronze: 'bronze', purchase: 'purchase batches', total: '**all**' };
const modeLabels = { fcfs: 'FCFS (no passes)', tiers: 'by tier (passes)' };
const colors = { platinum: '#6a3d9a', gold: '#c98a00', silver: '#7f8c8d', bronze: '#a0522d', purchase: '#1f78b4' };
const modeColors = { fcfs: '#d62728', tiers: '#2ca02c' };

/** Renders the Markdown of the "Measured" section, from `## Measured` to the end of the page. */
export function renderSection(result) {
  const { machine, settings, capacity } = result;
  return `## Measured

${describeRun(result)}

**Capacity** is the highest rate, without passes, at which ≥ ${pct(settings.capacityCriteria.minSuccess)} of requests succeed
with p90 < ${settings.capacityCriteria.maxP90Ms} ms, among the rates tried, in this order (${capacity.probes.map((probe) => `${count(probe.rate)}/s ${probe.passed ? 'passed' : 'failed'}`).join(', ')}):
**${count(capacity.rate)} requests/s**. The bound is on p90 because on this machine both processes now and
then stall for 100 to 150 ms at the same moment, which can put a probe's p99 above 50 ms at any rate. After a
failed probe the collector drained its connections and then served light load
(${count(settings.capacitySearch.firstRate / 2)} requests/s for ${settings.startSeconds} s) before the next probe${(result.restartExits?.length ?? 0) > 0 ? `, and it was started again ${result.restartExits.length} times where it failed the light load` : ''}. The search ends by
probing its result again, 10% lower after each failure, until a probe passes, because a rate near
the limit sometimes passes by luck. Each step then sent its load for ${settings.stepSeconds} s, of which the first
${settings.warmUpSeconds} s are left out, first without passes and then with them. Before each step the load was
${pct(settings.interlude.share)} of capacity for ${settings.interlude.seconds} s, left out too, so that every step starts from a collector that
keeps up.

### Targets

| Target | Measured | Met |
| --- | --- | :---: |
${result.verdicts.map((verdict) => `| ${verdict.target} | ${verdict.measured} | ${verdict.met ? 'yes' : '**no**'} |`).join('\n')}

![Success rate per tier and goodput against load, first come first served and by tier](priority-chart.svg)

### All requests per step

| Load | Mode | Sent/s | Success | Shed | Timed out | Other errors | Goodput/s | Goodput / capacity | Collector admitted/s | Collector CPU | Generator CPU | Generator late by, max | CPU pressure |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${result.steps
  .map((step, index) => {
    const { total } = step;
    const share = (part) => pct(part / total.requests, 1);
    const seconds = settings.stepSeconds + (index === result.steps.length - 1 ? settings.recovery.seconds : 0);
    return `| ${step.multiplier}× | ${modeLabels[step.mode]} | ${count(step.rate)} | ${pct(total.success, 1)} | ${share(total.shed)} | ${share(total.timeout)} | ${share(total.error)} | ${count(total.goodput)} | ${pct(total.goodput / capacity.rate)} | ${step.collector.admitted === undefined ? '–' : count(step.collector.admitted / seconds)} | ${pct(step.cpu?.collector ?? NaN)} | ${pct(step.cpu?.generator ?? NaN)} | ${ms(step.maxSendLagMs)} | ${pct(step.contention?.cpuPressure ?? NaN)} |`;
  })
  .join('\n')}

"Collector admitted/s" comes from the collector's \`patron_requests_admitted_total\`, over the whole
step and its late responses; for the last step it includes the ${settings.recovery.seconds} s of light load after it.
Where it is well above goodput, the collector did work for requests whose response came too late.
"Collector CPU" and "Generator CPU" are the CPU time each process used during the step, as a share
of one core; the collector's includes its worker threads and the kernel's work on its sockets.
"CPU pressure" is the share of the 10 s before the step ended in which some task on the machine
waited for a CPU; the benchmark's own two processes alone can cause some of it.

### Per tier and step

| Load | Class | FCFS success | FCFS p50 | FCFS p99 | FCFS goodput/s | By tier success | By tier p50 | By tier p99 | By tier goodput/s |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${classRows(result).join('\n')}

${describeRecovery(result)}

${describeErrors(result.errors)}

### Reading the results

${readResults(result, machine)}
`;
}

function describeRun({ machine, settings, seconds, contention }) {
  return `Produced by \`node bench/priority.mjs\` on ${machine.date}, on ${machine.cores} × ${machine.cpu},
${machine.memoryGiB} GiB memory, Node ${machine.node}, ${machine.platform}, in ${Math.round(seconds)} s.
${describeContention(contention)}

Two collectors ran as child processes (\`patron serve\`, each with its own database on the local
disk, rate limits off with \`PATRON_RATE_LIMIT_PER_SITE=0\` and \`PATRON_RATE_LIMIT_PER_ADDRESS=0\`):
one with \`PATRON_ADMISSION=off\` for the FCFS steps, one with admission by tier for the others.
Only one of them had load at a time. The load generator ran in the parent process, so all shared
the same ${machine.cores} cores. The generator is
open-loop: it sends each request at its scheduled time whether or not earlier ones had a response,
with up to ${count(settings.connections)} requests on the wire at once, each on its own keep-alive connection
(undici). Latency counts from the scheduled time, and a request without a complete response
within ${settings.deadlineMs / 1000} s counts as failed. Visitors are 5% platinum, 15% gold, 30% silver and 50%
bronze. Requests are 85% single page views (\`POST /v1/events\`), 13% offer decisions
(\`POST /v1/offer\`, one configured offer) and 2% batches with a purchase. With passes, a purchase
batch carries \`purchase=1\` next to its pass, as the tracker sends it, and the collector admits it
as top tier.

- **Success** is a 2xx response within the deadline that did the work: events stored, or an offer
  decided. A shed batch (\`503 overloaded\`), a shed offer (\`offer: null\` with the busy reason),
  a timeout and any other status are failures.
- **p50 and p99** are latencies of the successful requests only.
- **Goodput** is successful requests per second.
- **FCFS** sends no passes to the collector with \`PATRON_ADMISSION=off\`, which serves every
  request in arrival order and sheds none. **Capacity** is measured on that collector.`;
}

function describeContention({ before, after }) {
  if (before.cpuPressure === null) return `The 1-minute load average was ${before.loadAverage.toFixed(1)} at the start and ${after.loadAverage.toFixed(1)} at the end.`;
  const text = `The 1-minute load average was ${before.loadAverage.toFixed(1)} at the start and ${after.loadAverage.toFixed(1)} at the end, and some task waited for a CPU ${pct(before.cpuPressure)} and ${pct(after.cpuPressure)} of the time (\`/proc/pressure/cpu\`, last 10 s).`;
  // The benchmark's own processes cause some pressure, so only a clearly higher figure points to other work.
  return Math.max(before.cpuPressure, after.cpuPressure) > 0.3
    ? `${text} Other processes were using the CPUs during the run, so these figures are lower and noisier than on an idle machine.`
    : text;
}

function classRows(result) {
  const rows = [];
  const step = (multiplier, mode) => result.steps.find((candidate) => candidate.multiplier === multiplier && candidate.mode === mode);
  for (const multiplier of result.settings.multipliers) {
    const fcfs = step(multiplier, 'fcfs');
    const tiers = step(multiplier, 'tiers');
    for (const cls of [...Object.keys(fcfs.perClass), 'total']) {
      const cells = [fcfs, tiers].flatMap((run) => {
        const row = cls === 'total' ? run.total : run.perClass[cls];
        return [pct(row.success, 1), ms(row.p50), ms(row.p99), count(row.goodput)];
      });
      rows.push(`| ${multiplier}× (${count(fcfs.rate)}/s) | ${classLabels[cls]} | ${cells.join(' | ')} |`);
    }
  }
  return rows;
}

/** Lists the recovery windows up to the end of the first healthy second, and counts the misses after it. */
function describeRecovery({ recovery, settings }) {
  const { windowMs, healthySeconds, share } = settings.recovery;
  const listedCount = recovery.recoveredMs === null ? recovery.windows.length : recovery.recoveredMs / windowMs + Math.ceil((healthySeconds * 1000) / windowMs);
  const listed = recovery.windows.slice(0, listedCount);
  const later = recovery.windows.slice(listedCount);
  const missedLater = later.filter((window) => !meetsCapacityCriteria(window, settings.capacityCriteria)).length;
  const rows = listed.map((window) => `| ${(window.from / 1000).toFixed(1)} s | ${pct(window.success)} | ${ms(window.p90)} | ${ms(window.p99)} |`);
  return `Recovery after the ${settings.multipliers.at(-1)}× step, with the load at ${pct(share)} of capacity, in windows of ${windowMs} ms:

| From the drop | Success | p90 | p99 |
| --- | ---: | ---: | ---: |
${rows.join('\n')}${later.length > 0 ? `\n\n${missedLater} of the ${later.length} later windows missed the capacity criteria.` : ''}`;
}

function describeErrors(errors) {
  const list = Object.entries(errors);
  if (list.length === 0) return 'No request failed with an unexpected status or a connection error.';
  return `Unexpected responses and connection errors: ${list.map(([key, times]) => `${count(times)} × ${key.replace(/\|/g, '\\|')}`).join('; ')}.`;
}

/** Lists observations that follow from the figures, each with the mechanism behind it in the collector's code. */
function readResults(result, machine) {
  const notes = [];
  const tierSteps = result.steps.filter((step) => step.mode === 'tiers');
  const timedOut = tierSteps.filter((step) => step.total.timeout / step.total.requests > 0.01);
  if (timedOut.length > 0) {
    notes.push(
      `- By tier, ${timedOut.map((step) => `${pct(step.total.timeout / step.total.requests)} timed out at ${step.multiplier}×`).join(', ')}. Admission decides before the body is read, and a shed request gets its response at once. A request that timed out therefore waited before admission, in one of two places. One is the generator's queue, which holds requests beyond its ${count(result.settings.connections)} connections. The other is the socket, while the collector's event loop was busy.`,
    );
  }

  const fcfsTimedOut = result.steps.filter((step) => step.mode === 'fcfs' && step.total.timeout / step.total.requests > 0.1);
  if (fcfsTimedOut.length > 0) {
    notes.push(
      `- Without admission every request waits its turn, whatever its tier: ${fcfsTimedOut.map((step) => `${pct(step.total.timeout / step.total.requests)} timed out at ${step.multiplier}×`).join(', ')}.`,
    );
  }

  const lastIndex = result.steps.length - 1;
  const wasted = result.steps
    .map((step, index) => ({ step, admitted: step.collector.admitted / (result.settings.stepSeconds + (index === lastIndex ? result.settings.recovery.seconds : 0)) }))
    .filter(({ step, admitted }) => step.collector.admitted !== undefined && admitted > 2 * step.total.goodput + 10);
  if (wasted.length > 0) {
    notes.push(
      `- The collector admitted far more requests than it served in time, and the rest got their response after the deadline. Admitted against goodput, per second: ${wasted.map(({ step, admitted }) => `${count(admitted)} against ${count(step.total.goodput)} at ${step.multiplier}× ${step.mode === 'fcfs' ? 'FCFS' : 'by tier'}`).join(', ')}.`,
    );
  }

  const { recoveredMs } = result.recovery;
  if (recoveredMs === null || recoveredMs > result.settings.targets.recoveryMs) {
    notes.push(
      '- Recovery is slow because the requests already sent during the 10× step still wait on their connections when the load drops. The collector works through them, although their clients gave up long ago, before it reaches the new requests.',
    );
  }

  const unsettled = result.steps.filter((step) => step.successBefore < result.settings.capacityCriteria.minSuccess);
  if (unsettled.length > 0) {
    notes.push(
      `- The collector had not recovered from the step before when some steps began: during the light load before them, ${unsettled.map((step) => `${pct(step.successBefore)} succeeded before ${step.multiplier}× ${step.mode === 'fcfs' ? 'FCFS' : 'by tier'}`).join(', ')}.`,
    );
  }

  const lagging = result.steps.filter((step) => step.maxSendLagMs > 50);
  if (lagging.length > 0) {
    notes.push(
      `- The generator itself fell behind its schedule by more than 50 ms at ${lagging.map((step) => `${step.multiplier}× ${step.mode === 'fcfs' ? 'FCFS' : 'by tier'}`).join(', ')}, so part of the latency there is the generator's: it shares ${machine.cores} cores with the collector.`,
    );
  }

  const saturated = result.steps.filter((step) => step.cpu?.generator > 0.9);
  if (saturated.length > 0) {
    notes.push(
      `- The generator used more than 90% of a core at ${saturated.map((step) => `${step.multiplier}× ${step.mode === 'fcfs' ? 'FCFS' : 'by tier'} (${pct(step.cpu.generator)}, the collector ${pct(step.cpu.collector)})`).join(', ')}. With ${machine.cores} cores, the machine then had no CPU to spare, so these steps measure the machine as much as the collector: a request sent late, or read late by the collector, waits whatever its tier.`,
    );
  }

  const goodputGain = tierSteps.map((step) => {
    const fcfs = result.steps.find((candidate) => candidate.mode === 'fcfs' && candidate.multiplier === step.multiplier);
    return `${step.multiplier}× ${pct(step.total.goodput / result.capacity.rate)} against ${pct(fcfs.total.goodput / result.capacity.rate)}`;
  });
  notes.push(`- Total goodput as a share of capacity, by tier against FCFS: ${goodputGain.join(', ')}.`);
  const { targets } = result.settings;
  const atTarget = tierSteps.find((step) => step.multiplier === targets.multiplier);
  const top = atTarget?.perClass.platinum;
  if (top && !(top.p99 < targets.topP99Ms)) {
    // Every figure here comes from the step's own counts. The cost of a shed is an upper bound,
    // because the loop also did other work, such as group commits and garbage collection.
    const seconds = result.settings.stepSeconds - result.settings.warmUpSeconds;
    const shedRate = atTarget.total.shed / seconds;
    const servedShare = atTarget.total.goodput / result.capacity.rate;
    const shedCost = (1 - servedShare) / (shedRate / result.capacity.rate);
    const allowedCost = (1 - targets.goodputShare) / (targets.multiplier - targets.goodputShare);
    notes.push(
      `- At ${targets.multiplier}×, the collector shed ${count(shedRate)} requests/s and served ${count(atTarget.total.goodput)}/s in time, and every request, platinum too, waited before its headers were read: platinum p50 ${ms(top.p50)}. A served request takes 1/${count(result.capacity.rate)} s of the event loop, so a shed request took at most ${pct(shedCost)} of that (an estimate from these counts): Node parses its headers and writes the 503, which admission cannot skip. The ${targets.multiplier}× targets need shedding to cost under ${pct(allowedCost, 1)} of a served request, so that ${pct(targets.goodputShare)} of capacity is still served while the rest of ${targets.multiplier}× is shed. Admission inside the process cannot make a shed cheaper than Node's parsing of the request and writing of the response, and once the loop is saturated, requests of every tier queue in their sockets, where no tier applies.`,
    );
  }

  notes.push(
    '- Under overload the collector closes whole tiers, bronze first. It closes one more every 200 ms while the event-loop delay (90th percentile over 100 ms) is above 15 ms, and reopens them one every 100 ms once it is below 5 ms. The top tier is never closed. Shedding a request still costs the parsing of its headers and the writing of the 503. An admitted batch also waits on the event loop for the fsync of its group commit. These costs set how many requests the collector serves in time once it is overloaded.',
  );
  return notes.join('\n');
}

/**
 * Renders an SVG chart with three panels: success rate per class against load without and with passes,
 * and total goodput as a share of capacity in both modes. Multipliers are evenly spaced.
 */
export function renderChart(result) {
  const multipliers = result.settings.multipliers;
  const panel = { width: 270, height: 240, left: 60, top: 84, gap: 70 };
  const width = panel.left + 3 * panel.width + 2 * panel.gap + 20;
  const height = panel.top + panel.height + 56;
  const x = (index) => (multipliers.length === 1 ? panel.width / 2 : (index / (multipliers.length - 1)) * panel.width);
  const stepOf = (multiplier, mode) => result.steps.find((candidate) => candidate.multiplier === multiplier && candidate.mode === mode);
  const parts = [];

  // Legend: the classes on the first row, the goodput lines on the second.
  const legendRows = [
    Object.keys(colors).map((cls) => ({ label: classLabels[cls], color: colors[cls], dashed: cls === 'purchase' })),
    Object.keys(modeColors).map((mode) => ({ label: `goodput, ${modeLabels[mode]}`, color: modeColors[mode], dashed: false })),
  ];
  legendRows.forEach((row, rowIndex) => {
    row.forEach((entry, index) => {
      const lx = panel.left + index * (rowIndex === 0 ? 170 : 260);
      const ly = 18 + rowIndex * 20;
      parts.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${entry.color}" stroke-width="3"${entry.dashed ? ' stroke-dasharray="6 3"' : ''}/>`);
      parts.push(`<text x="${lx + 30}" y="${ly + 4}">${entry.label}</text>`);
    });
  });

  const series = [];
  for (const mode of ['fcfs', 'tiers']) {
    series.push({
      panelIndex: mode === 'fcfs' ? 0 : 1,
      lines: Object.keys(colors).map((cls) => ({
        color: colors[cls],
        dashed: cls === 'purchase',
        values: multipliers.map((multiplier) => stepOf(multiplier, mode).perClass[cls].success || 0),
      })),
      title: `Success, ${modeLabels[mode]}`,
      max: 1,
    });
  }
  const goodputShares = Object.keys(modeColors).map((mode) => multipliers.map((multiplier) => stepOf(multiplier, mode).total.goodput / result.capacity.rate));
  series.push({
    panelIndex: 2,
    lines: Object.keys(modeColors).map((mode, index) => ({ color: modeColors[mode], dashed: false, values: goodputShares[index] })),
    title: 'Total goodput, share of capacity',
    max: Math.max(1.25, Math.ceil(Math.max(...goodputShares.flat()) * 4) / 4),
  });

  for (const { panelIndex, lines, title, max } of series) {
    const y = (share) => panel.height * (1 - share / max);
    const ox = panel.left + panelIndex * (panel.width + panel.gap);
    const group = [`<g transform="translate(${ox},${panel.top})">`];
    group.push(`<text x="${panel.width / 2}" y="-12" text-anchor="middle" font-weight="bold">${title}</text>`);
    // At most about six grid lines, at a round share.
    const gridStep = [0.25, 0.5, 1, 2, 2.5, 5].find((candidate) => max / candidate <= 6) ?? max / 5;
    for (let share = 0; share <= max + 1e-9; share += gridStep) {
      group.push(`<line x1="0" y1="${y(share).toFixed(1)}" x2="${panel.width}" y2="${y(share).toFixed(1)}" stroke="#ddd"/>`);
      group.push(`<text x="-8" y="${(y(share) + 4).toFixed(1)}" text-anchor="end">${Math.round(share * 100)}%</text>`);
    }
    multipliers.forEach((multiplier, index) => {
      group.push(`<text x="${x(index).toFixed(1)}" y="${panel.height + 18}" text-anchor="middle">${multiplier}×</text>`);
    });
    group.push(`<text x="${panel.width / 2}" y="${panel.height + 40}" text-anchor="middle">load, times capacity</text>`);
    for (const line of lines) {
      const points = line.values.map((value, index) => [x(index), y(Math.min(value, max))]);
      const dash = line.dashed ? ' stroke-dasharray="6 3"' : '';
      group.push(`<polyline fill="none" stroke="${line.color}" stroke-width="2.5"${dash} points="${points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>`);
      for (const [px, py] of points) group.push(`<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="3" fill="${line.color}"/>`);
    }
    group.push(`<line x1="0" y1="0" x2="0" y2="${panel.height}" stroke="#333"/>`);
    group.push(`<line x1="0" y1="${panel.height}" x2="${panel.width}" y2="${panel.height}" stroke="#333"/>`);
    group.push('</g>');
    parts.push(group.join('\n'));
  }

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">
<title>Success rate per tier and total goodput against load, FCFS and by tier (bench/priority.mjs, ${result.machine.date}, capacity ${count(result.capacity.rate)} requests/s)</title>
<rect width="100%" height="100%" fill="#fff"/>
${parts.join('\n')}
</svg>
`;
}
