/**
 * The dashboard's style sheet, served as /dashboard/style.css so that the Content-Security-Policy
 * can forbid inline styles. Text colours meet WCAG AA contrast (4.5:1) on their backgrounds.
 */
export const styleSheet = `
:root {
  --ink: #1b2430;
  --muted: #4a5565;
  --paper: #f6f7f9;
  --card: #ffffff;
  --line: #d5dae1;
  --accent: #1d4ed8;
  --accent-dark: #1e3a8a;
  --good: #166534;
  --bad: #b91c1c;
  --warn-bg: #fff7e0;
  --warn-line: #c99a06;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink);
  background: var(--paper);
  line-height: 1.45;
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); }
a:hover { color: var(--accent-dark); }
:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; border-radius: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--card); padding: 0.5rem 1rem; z-index: 10; }
.skip:focus { left: 0.5rem; }

header.top { background: #16213a; color: #fff; }
header.top .bar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.5rem; max-width: 1200px; margin: 0 auto; padding: 0.75rem 1rem; }
header.top .brand { font-weight: 700; font-size: 1.1rem; margin-right: auto; }
header.top .brand small { font-weight: 400; color: #c8d2e6; margin-left: 0.5rem; }
header.top form { margin: 0; }
header.top button { background: transparent; color: #fff; border: 1px solid #8ea0c4; }
header.top button:hover { background: #26345a; }
nav.pages { background: #22305a; }
nav.pages ul { display: flex; flex-wrap: wrap; gap: 0 0.25rem; list-style: none; margin: 0 auto; padding: 0 1rem; max-width: 1200px; }
nav.pages a { display: block; padding: 0.6rem 0.9rem; color: #e6ebf5; text-decoration: none; white-space: nowrap; border-bottom: 3px solid transparent; }
nav.pages a:hover { color: #fff; background: #2c3c6e; }
nav.pages a[aria-current="page"] { color: #fff; border-bottom-color: #f59e0b; font-weight: 600; }

main { max-width: 1200px; margin: 0 auto; padding: 1rem 1rem 3rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0 0.25rem; }
h2 { font-size: 1.2rem; margin: 0 0 0.5rem; }
h3 { font-size: 1rem; margin: 1rem 0 0.4rem; }
p.lead { color: var(--muted); margin: 0 0 1rem; }
.muted { color: var(--muted); }
.small { font-size: 0.875rem; }

section.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.1rem; margin: 0 0 1rem; }
.grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 300px), 1fr)); }
.grid.charts { grid-template-columns: repeat(auto-fit, minmax(min(100%, 420px), 1fr)); gap: 1.25rem 2rem; }
.grid > section.card { margin: 0; }
.stack > * + * { margin-top: 1rem; }

dl.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 0.75rem; margin: 0 0 1rem; }
dl.figures > div { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 0.75rem 1rem; }
dl.figures dt { color: var(--muted); font-size: 0.875rem; }
dl.figures dd { margin: 0.15rem 0 0; font-size: 1.5rem; font-weight: 650; font-variant-numeric: tabular-nums; }
dl.figures dd small { display: block; font-size: 0.8rem; font-weight: 400; color: var(--muted); }

.table-scroll { overflow-x: auto; max-width: 100%; }
.table-scroll th, .table-scroll td { white-space: nowrap; }
.table-scroll .wrap { white-space: normal; min-width: 14rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.925rem; }
caption { text-align: left; font-weight: 600; padding: 0 0 0.4rem; }
th, td { padding: 0.45rem 0.6rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: #eef1f5; font-weight: 600; white-space: nowrap; }
tbody th { font-weight: 500; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:hover { background: #f3f6fb; }

form.filters { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: flex-end; margin: 0 0 1rem; }
form.filters label, form.stacked label { display: flex; flex-direction: column; gap: 0.2rem; font-size: 0.875rem; color: var(--muted); }
input, select, button { font: inherit; padding: 0.4rem 0.6rem; border: 1px solid #8a94a3; border-radius: 6px; background: #fff; color: var(--ink); min-height: 2.25rem; }
button { cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; font-weight: 600; }
button.primary:hover { background: var(--accent-dark); }
.segmented { display: flex; flex-wrap: wrap; gap: 0.25rem; margin: 0 0 0.75rem; padding: 0; list-style: none; }
.segmented a { display: block; padding: 0.3rem 0.7rem; border: 1px solid var(--line); border-radius: 999px; text-decoration: none; background: var(--card); }
.segmented a[aria-current="true"] { background: var(--accent); border-color: var(--accent); color: #fff; }

.notice { border-left: 4px solid var(--warn-line); background: var(--warn-bg); padding: 0.6rem 0.9rem; margin: 0 0 1rem; border-radius: 4px; }
.error { border-left: 4px solid var(--bad); background: #fdecec; padding: 0.6rem 0.9rem; margin: 0 0 1rem; border-radius: 4px; }
.verdict { font-weight: 600; }
.verdict.better { color: var(--good); }
.verdict.worse { color: var(--bad); }
.pill { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 999px; background: #e7ecf5; font-size: 0.8rem; white-space: nowrap; }
.pill.active { background: #dcfce7; color: #14532d; }
.pill.paused { background: #f1f5f9; color: #334155; }

figure.chart { margin: 0; }
figure.chart svg { width: 100%; height: auto; max-height: 260px; display: block; }
figure.chart figcaption { font-weight: 600; margin-bottom: 0.25rem; }
figure.chart .total { font-size: 1.35rem; font-weight: 650; font-variant-numeric: tabular-nums; }
svg text { font-family: inherit; fill: #4a5565; }
svg .bar { fill: #2563eb; }
svg .bar:hover { fill: #1e3a8a; }
svg .axis { stroke: #b8c0cc; stroke-width: 1; }
details { margin-top: 0.5rem; }
summary { cursor: pointer; color: var(--accent); }

table.heat td { text-align: center; min-width: 6.5rem; }
table.heat td .segment { display: block; font-size: 0.75rem; }
table.heat td strong { font-size: 1.05rem; }
.heat-0 { background: #f8fafc; }
.heat-1 { background: #dbe7fd; }
.heat-2 { background: #b5cdfb; }
.heat-3 { background: #7fa7f5; }
.heat-4 { background: #2f5fd0; color: #fff; }
.heat-5 { background: #1e3a8a; color: #fff; }
table.heat .heat-4 .segment, table.heat .heat-5 .segment { color: #e6ebf5; }
table.moves td.same { background: #eef1f5; color: var(--muted); }

.login { max-width: 26rem; margin: 3rem auto; }
form.stacked { display: flex; flex-direction: column; gap: 0.9rem; }
form.stacked label { color: var(--ink); font-weight: 500; }
nav.pager { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: center; margin-top: 0.75rem; }
dl.definitions { display: grid; grid-template-columns: minmax(8rem, max-content) 1fr; gap: 0.35rem 1rem; margin: 0.5rem 0 0; }
dl.definitions dt { font-weight: 600; }
dl.definitions dd { margin: 0; }
dl.definitions .badge { font-weight: 500; font-size: 0.8rem; color: #8a3b00; }

figure.chart .change { font-size: 0.85rem; font-weight: 400; color: var(--muted); }
.name { overflow-wrap: anywhere; }
tr.refund > * { background: #fbf6ee; }
.narrow-only { display: none; }

/*
 * Phones: tables keep their key columns on screen without scrolling sideways. Cells marked
 * "secondary" are left out, with a note that lists them. Names, dates and headings wrap.
 * A table that is a grid of figures, such as the RFM grid, may still scroll inside its own box.
 */
@media (max-width: 640px) {
  main { padding: 0.75rem 0.6rem 2rem; }
  h1 { font-size: 1.35rem; }
  dl.figures { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0.5rem; }
  dl.figures > div { padding: 0.6rem 0.7rem; }
  dl.figures dd { font-size: 1.2rem; }
  section.card { padding: 0.75rem; }
  header.top .brand small { display: block; margin-left: 0; }
  nav.pages a { padding: 0.5rem 0.6rem; }
  .secondary { display: none; }
  p.narrow-only { display: block; }
  span.narrow-only { display: inline; }
  table { font-size: 0.85rem; }
  th, td { padding: 0.4rem 0.3rem; }
  .table-scroll thead th, .table-scroll tbody th, .table-scroll .wrap-narrow { white-space: normal; }
  .table-scroll .name { min-width: 5.5rem; }
  .table-scroll .wrap { min-width: 9rem; }
  .bar-cell { display: none; }
  table.heat td { min-width: 0; padding: 0.35rem 0.1rem; white-space: normal; }
  table.heat { font-size: 0.8rem; }
  table.heat td .segment { font-size: 0.65rem; }
  table.heat td .secondary, table.heat tbody th .muted { display: none; }
  table.heat tbody th { white-space: nowrap; }
  form.filters input[type="search"] { width: 100%; }
  form.filters label:has(input[type="search"]) { flex: 1 1 100%; }
}
`;
