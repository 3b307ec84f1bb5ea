// Times fitting BG/NBD and Gamma-Gamma to the full CDNOW master file (23,570 customers, purchases
// counted as distinct days, calibration to 30 September 1997), through the collector's bundled
// models. The file comes from the folder named by PATRON_DATASETS.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export async function measureFit() {
  const datasets = process.env.PATRON_DATASETS;
  const file = datasets ? join(datasets, 'cdnow', 'CDNOW_master.txt') : '';
  if (!datasets || !existsSync(file)) return { skipped: 'PATRON_DATASETS does not name a folder with cdnow/CDNOW_master.txt' };

  const { fitBgNbd, fitGammaGamma, summarizePurchases } = await import('../apps/collector/dist/index.js');
  const purchases = readFileSync(file, 'utf8')
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => {
      const [id, date, , dollars] = line.trim().split(/\s+/);
      return { customerId: id, day: Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8))), value: Number(dollars) };
    });
  const started = process.hrtime.bigint();
  const histories = summarizePurchases(purchases, Date.UTC(1997, 8, 30));
  const purchasesFit = fitBgNbd(histories);
  const spendFit = fitGammaGamma(histories);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, customers: histories.length, purchasesFit, spendFit };
}
