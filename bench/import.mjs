// Times `patron import orders` on the UCI Online Retail export (541,909 lines), from a fresh
// database, as a user runs it. The file comes from the folder named by PATRON_DATASETS.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** Returns `{ seconds, report }` for two imports (the second finds everything already there), or `{ skipped }`. */
export function measureImport() {
  const datasets = process.env.PATRON_DATASETS;
  const file = datasets ? join(datasets, 'online-retail', 'online_retail.csv.gz') : '';
  if (!datasets || !existsSync(file)) return { skipped: 'PATRON_DATASETS does not name a folder with online-retail/online_retail.csv.gz' };

  const dir = mkdtempSync(join(tmpdir(), 'patron-import-'));
  try {
    const run = () => {
      const started = process.hrtime.bigint();
      const output = execFileSync(
        process.execPath,
        [join(root, 'apps/collector/bin/patron.js'), 'import', 'orders', file, '--config', join(root, 'apps/demo-shop/patron.config.json'), '--db', join(dir, 'patron.db')],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      );
      return { seconds: Number(process.hrtime.bigint() - started) / 1e9, report: output.trim().replace(file, 'online_retail.csv.gz') };
    };
    return { first: run(), second: run() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
