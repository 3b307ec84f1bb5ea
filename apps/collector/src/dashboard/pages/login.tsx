import type { FC } from 'hono/jsx';
import { Document } from '../layout.js';
import { DASHBOARD_PATH } from '../links.js';

/** The sign-in form: site key and secret key, with the form's token in a hidden field. */
export const LoginPage: FC<{ token: string; siteKey: string; next: string | undefined; error?: string | undefined; notice?: string | undefined }> = ({
  token,
  siteKey,
  next,
  error,
  notice,
}) => (
  <Document title="Sign in">
    <main id="main" class="login">
      <section class="card">
        <h1>Sign in to the Patron dashboard</h1>
        <p class="muted">Use the site key and the secret key of your shop, as set in the collector's configuration.</p>
        {error ? (
          <p class="error" role="alert" id="login-error">
            {error}
          </p>
        ) : null}
        {notice ? (
          <p class="notice" role="status">
            {notice}
          </p>
        ) : null}
        <form class="stacked" method="post" action={`${DASHBOARD_PATH}/login`}>
          <input type="hidden" name="csrf" value={token} />
          {next ? <input type="hidden" name="next" value={next} /> : null}
          <label>
            Site key
            <input name="site" value={siteKey} required autocomplete="username" autocapitalize="none" spellcheck={false} aria-describedby={error ? 'login-error' : undefined} />
          </label>
          <label>
            Secret key
            <input type="password" name="secret" required autocomplete="current-password" aria-describedby={error ? 'login-error' : undefined} />
          </label>
          <button type="submit" class="primary">
            Sign in
          </button>
        </form>
      </section>
    </main>
  </Document>
);

/** A page for errors, signed in or not, with a way back. */
export const ErrorPage: FC<{ title: string; message: string; back: string }> = ({ title, message, back }) => (
  <Document title={title}>
    <main id="main" class="login">
      <section class="card">
        <h1>{title}</h1>
        <p>{message}</p>
        <p>
          <a href={back}>Back to the dashboard</a>
        </p>
      </section>
    </main>
  </Document>
);
