// The people's console: sign in, then Overview, Market, Agreements and Casework. A single page
// served under /console; the path picks the page.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { gql, getToken, setToken } from './api.js';
import { I18n, makeI18n, initialLang, LANG_KEY } from './i18n.js';
import { SignIn } from './pages/signin.jsx';
import { Overview } from './pages/overview.jsx';
import { Market } from './pages/market.jsx';
import { Agreements } from './pages/agreements.jsx';
import { Casework } from './pages/casework.jsx';
import { ErrorNote } from './util.jsx';
import './style.css';

const BOOT = `query Boot { viewer { subject roles center { code name province { code name } } }
  provinces(includeLegacy: true) { code name nameAscii isCurrent successor { code name } }
  centers(first: 100) { edges { node { code name province { code name } } } } }`;

const pages = [
  { path: '/console', key: 'overview', Page: Overview },
  { path: '/console/market', key: 'market', Page: Market },
  { path: '/console/agreements', key: 'agreements', Page: Agreements },
  { path: '/console/casework', key: 'casework', Page: Casework },
];

function currentPath() {
  const p = location.pathname.replace(/\/+$/, '');
  return pages.some((x) => x.path === p) ? p : '/console';
}

function App() {
  const [lang, setLang] = useState(initialLang);
  const i18n = makeI18n(lang);
  const { t } = i18n;
  const [token, setTok] = useState(getToken);
  const [boot, setBoot] = useState({});
  const [path, setPath] = useState(currentPath);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = 'laborx · ' + t('appName');
    localStorage.setItem(LANG_KEY, lang);
  }, [lang]);
  useEffect(() => {
    const onPop = () => setPath(currentPath());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  useEffect(() => {
    if (!token) return;
    setBoot({});
    gql(BOOT).then(
      (d) => setBoot({ data: { ...d, centers: d.centers.edges.map((e) => e.node) } }),
      (e) => {
        if (e.code === 'UNAUTHENTICATED') {
          setToken(null);
          setTok(null);
          setBoot({ signInError: e.message });
        } else setBoot({ error: e });
      });
  }, [token]);

  const go = (p) => (e) => {
    e.preventDefault();
    history.pushState(null, '', p);
    setPath(p);
  };
  const signIn = (tok) => { setToken(tok); setTok(tok); };
  const signOut = () => { setToken(null); setTok(null); setBoot({}); };
  const page = pages.find((x) => x.path === path);
  const v = boot.data?.viewer;

  return (
    <I18n.Provider value={i18n}>
      <a class="skip" href="#main">{lang === 'vi' ? 'Bỏ qua đến nội dung' : 'Skip to content'}</a>
      <header class="top">
        <div class="brand"><span class="logo" aria-hidden="true">LX</span><span><b>laborx</b><small>{t('appName')}</small></span></div>
        {token && (
          <nav aria-label="laborx">
            {pages.map((x) => (
              <a href={x.path} onClick={go(x.path)} aria-current={x.path === path ? 'page' : undefined}>{t(x.key)}</a>
            ))}
            <a href="/">{t('graphiql')}</a>
          </nav>
        )}
        <div class="tools">
          <label class="lang">{t('language')}
            <select value={lang} onChange={(e) => setLang(e.target.value)} name="lang">
              <option value="vi">Tiếng Việt</option>
              <option value="en">English</option>
            </select>
          </label>
          {token && <button type="button" class="btn small" onClick={signOut}>{t('signOut')}</button>}
        </div>
      </header>
      {!token && <SignIn onToken={signIn} error={boot.signInError} />}
      {token && (
        <main id="main" class="content">
          {v && <p class="viewer muted" data-viewer={v.center?.code || 'operator'}>
            {t('signedInAs', { subject: v.subject, center: v.center ? `${v.center.code} · ${v.center.name}` : 'operator' })} · {t('roles')}: {v.roles.join(', ')}</p>}
          {boot.error && <ErrorNote error={boot.error} />}
          {!boot.data && !boot.error && <p class="muted">{t('loading')}</p>}
          {boot.data && <page.Page refdata={boot.data} key={page.key} />}
        </main>
      )}
    </I18n.Provider>
  );
}

render(<App />, document.getElementById('app'));
