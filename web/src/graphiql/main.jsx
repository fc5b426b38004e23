// GraphiQL served by laborx itself: every script, style and font is in this bundle, so
// the page works on a network without internet. The token is asked for once (or taken
// from the console's sign-in, which shares the key in localStorage) and sent on every
// request, the schema introspection included, and in the websocket's connection_init.
import { createRoot } from 'react-dom/client';
import { useState } from 'react';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { createClient } from 'graphql-ws';
import 'graphiql/graphiql.css';
import './graphiql.css';

const TOKEN_KEY = 'laborx.token';

const defaultQuery = `# laborx GraphQL. Your token is sent as "Authorization: Bearer …" on every request.
{
  viewer { subject roles center { code name province { name mergedFrom { name } } } }
  laborDemands(first: 5, filter: { text: "tho may" }) {
    totalCount
    edges { node { title quantity openPositions workProvince { name } center { code } } }
  }
}
`;

function makeFetcher(token) {
  const wsURL = location.origin.replace(/^http/, 'ws') + '/graphql';
  const wsClient = createClient({ url: wsURL, connectionParams: { authorization: 'Bearer ' + token }, lazy: true });
  return createGraphiQLFetcher({ url: '/graphql', headers: { Authorization: 'Bearer ' + token }, wsClient });
}

function TokenForm({ onToken }) {
  const [value, setValue] = useState('');
  const submit = (e) => {
    e.preventDefault();
    const t = value.trim().replace(/^Bearer\s+/i, '');
    if (t) {
      localStorage.setItem(TOKEN_KEY, t);
      onToken(t);
    }
  };
  return (
    <main className="lx-token">
      <form onSubmit={submit}>
        <h1>laborx GraphiQL</h1>
        <p>
          Paste a token once: it is kept in this browser and sent as <code>Authorization: Bearer …</code> on
          every request, including the schema introspection. <code>laborx serve --demo</code> prints tokens;
          or <a href="/console">sign in on the console</a> and come back.
        </p>
        <label htmlFor="lx-token-input">Token (JWT)</label>
        <textarea id="lx-token-input" rows="6" value={value} onChange={(e) => setValue(e.target.value)} autoFocus />
        <button type="submit">Use this token</button>
      </form>
    </main>
  );
}

function App() {
  const [token, setToken] = useState(() => localStorage.getItem(TOKEN_KEY));
  if (!token) return <TokenForm onToken={setToken} />;
  const signOut = () => {
    localStorage.removeItem(TOKEN_KEY);
    setToken(null);
  };
  return (
    <div className="lx-graphiql">
      <GraphiQL fetcher={makeFetcher(token)} defaultQuery={defaultQuery} shouldPersistHeaders={false}>
        <GraphiQL.Logo>
          <span className="lx-logo">
            laborx <a href="/console">console</a>{' '}
            <button type="button" className="lx-signout" onClick={signOut}>Change token</button>
          </span>
        </GraphiQL.Logo>
      </GraphiQL>
    </div>
  );
}

createRoot(document.getElementById('graphiql')).render(<App />);
