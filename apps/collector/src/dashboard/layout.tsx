import type { Child, FC } from 'hono/jsx';
import type { PageContext } from './context.js';
import { DASHBOARD_PATH, dashboardUrl } from './links.js';

export type PageName = 'overview' | 'customers' | 'segments' | 'offers' | 'health';

const pages: Array<{ name: PageName; label: string; path: string }> = [
  { name: 'overview', label: 'Overview', path: '' },
  { name: 'customers', label: 'Customers', path: '/customers' },
  { name: 'segments', label: 'Segments', path: '/segments' },
  { name: 'offers', label: 'Offers', path: '/offers' },
  { name: 'health', label: 'Health', path: '/health' },
];

/** The HTML document around every page: head, skip link, site header with sign-out, and the page links. */
export const Document: FC<{ title: string; children: Child }> = ({ title, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="same-origin" />
      <title>{title} · Patron</title>
      <link rel="stylesheet" href={`${DASHBOARD_PATH}/style.css`} />
    </head>
    <body>{children}</body>
  </html>
);

/** Wraps a signed-in page in the site's name, the sign-out button and the page links. */
export const Layout: FC<{ context: PageContext; title: string; active: PageName | undefined; children: Child }> = ({ context, title, active, children }) => {
  const { site, session, tzParam } = context;
  return (
    <Document title={`${title} · ${site.name ?? site.key}`}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="bar">
          <span class="brand">
            {site.name ?? site.key}
            <small>Patron dashboard</small>
          </span>
          <span class="small">
            Times in {context.timeZone} · amounts in {site.currency}
          </span>
          <form method="post" action={`${DASHBOARD_PATH}/logout`}>
            <input type="hidden" name="csrf" value={session.csrfToken} />
            <button type="submit">Sign out</button>
          </form>
        </div>
      </header>
      <nav class="pages" aria-label="Dashboard pages">
        <ul>
          {pages.map((page) => (
            <li>
              <a href={dashboardUrl(page.path, { tz: tzParam })} aria-current={page.name === active ? 'page' : undefined}>
                {page.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabindex={-1}>
        {context.notices.map((notice) => (
          <p class="notice" role="status">
            {notice}
          </p>
        ))}
        {children}
      </main>
    </Document>
  );
};

/** A figure in the row of headline numbers; `metric` names it for tests and scripts. */
export const Figure: FC<{ label: string; value: string; metric: string; note?: string | undefined }> = ({ label, value, metric, note }) => (
  <div>
    <dt>{label}</dt>
    <dd data-metric={metric}>
      {value}
      {note ? <small>{note}</small> : null}
    </dd>
  </div>
);

/** A table that scrolls sideways on narrow screens; keyboard users can focus it to scroll. */
export const TableScroll: FC<{ label: string; children: Child }> = ({ label, children }) => (
  <div class="table-scroll" role="region" aria-label={label} tabindex={0}>
    {children}
  </div>
);
