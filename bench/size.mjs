// Measures the tracker's builds and the published scripts of other trackers the same way:
// bytes of the file as shipped (minified), and after gzip at level 9.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = new URL('..', import.meta.url).pathname;

/** Other trackers' browser builds, taken from their npm packages at a pinned version. */
const peers = [
  { name: 'Plausible (@plausible-analytics/tracker 0.4.6, plausible.js)', spec: '@plausible-analytics/tracker@0.4.6', file: 'plausible.js' },
  { name: 'Snowplow core (@snowplow/browser-tracker 4.10.1, UMD min, no plugins)', spec: '@snowplow/browser-tracker@4.10.1', file: 'dist/index.umd.min.js' },
  { name: 'Segment (@segment/analytics-next 1.84.3, standalone)', spec: '@segment/analytics-next@1.84.3', file: 'dist/umd/standalone.js' },
  { name: 'PostHog (posthog-js 1.449.2, array.js)', spec: 'posthog-js@1.449.2', file: 'dist/array.js' },
];

const measure = (name, code) => ({ name, bytes: code.length, gzip: gzipSync(code, { level: 9 }).length });

/** Returns one row per build: name, minified bytes, gzip bytes; peers that cannot be fetched are listed as skipped. */
export function measureSizes() {
  const rows = [
    measure('Patron patron.js (script tag)', readFileSync(join(root, 'packages/tracker/dist/patron.js'))),
    measure('Patron patron.debug.js (script tag with debug messages)', readFileSync(join(root, 'packages/tracker/dist/patron.debug.js'))),
  ];
  const skipped = [];
  const dir = mkdtempSync(join(tmpdir(), 'patron-peers-'));
  try {
    for (const peer of peers) {
      try {
        const tarball = execFileSync('npm', ['pack', peer.spec, '--silent', '--pack-destination', dir], { encoding: 'utf8' }).trim().split('\n').pop();
        const code = execFileSync('tar', ['-xzOf', join(dir, tarball), `package/${peer.file}`]);
        rows.push(measure(peer.name, code));
      } catch (error) {
        skipped.push(`${peer.name}: ${error.message.split('\n')[0]}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { rows, skipped };
}

/** Formats the rows as a Markdown table. */
export function sizeTable({ rows, skipped }) {
  const lines = ['| Build | Minified bytes | min+gzip bytes |', '| --- | ---: | ---: |'];
  for (const row of rows) lines.push(`| ${row.name} | ${row.bytes.toLocaleString('en')} | ${row.gzip.toLocaleString('en')} |`);
  for (const reason of skipped) lines.push(`| skipped: ${reason} | | |`);
  return lines.join('\n');
}
