// Sign in by pasting a token, or, on a --demo server, as one of the demo centers with a
// short-lived token the server mints.
import { useEffect, useState } from 'preact/hooks';
import { useI18n } from '../i18n.js';

export function SignIn({ onToken, error }) {
  const { t } = useI18n();
  const [value, setValue] = useState('');
  const [demo, setDemo] = useState(null);
  const [demoError, setDemoError] = useState(null);
  useEffect(() => {
    fetch('/console/demo').then((r) => (r.ok ? r.json() : null)).then(setDemo, () => setDemo(null));
  }, []);
  const submit = (e) => {
    e.preventDefault();
    const tok = value.trim().replace(/^Bearer\s+/i, '');
    if (tok) onToken(tok);
  };
  const demoSignIn = async (code) => {
    setDemoError(null);
    const r = await fetch('/console/demo-token', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ center: code }),
    });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) return setDemoError(body.error || 'HTTP ' + r.status);
    onToken(body.token);
  };
  return (
    <main class="signin" id="main">
      <form class="card" onSubmit={submit}>
        <h1>{t('signIn')}</h1>
        {error && <p class="error" role="alert">{t('invalidToken', { msg: error })}</p>}
        <label for="token">{t('tokenLabel')}</label>
        <textarea id="token" name="token" rows="5" value={value} onInput={(e) => setValue(e.target.value)}
          aria-describedby="token-help" spellcheck={false} />
        <p id="token-help" class="muted">{t('tokenHelp')}</p>
        <button type="submit" class="btn primary">{t('useToken')}</button>
      </form>
      {demo && (
        <section class="card" aria-labelledby="demo-title">
          <h2 id="demo-title">{t('demoTitle')}</h2>
          <p class="muted">{t('demoHelp')}</p>
          {demoError && <p class="error" role="alert">{demoError}</p>}
          <ul class="demo-centers">
            {demo.centers.map((c) => (
              <li>
                <button type="button" class="btn" data-demo-center={c.code} onClick={() => demoSignIn(c.code)}>
                  <strong>{c.code}</strong> <span>{c.name}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
