// Runs the graphql-http server audit (GraphQL over HTTP conformance) against a laborx
// server: node graphql-http-audit.cjs URL TOKEN, with NODE_PATH holding graphql-http.
// Prints one JSON object: counts by status and every result that is not ok.
const { auditServer } = require('graphql-http');

const [url, token] = process.argv.slice(2);
const fetchFn = (input, init = {}) =>
  fetch(input, { ...init, headers: { ...(init.headers || {}), authorization: 'Bearer ' + token } });

auditServer({ url, fetchFn }).then(async (results) => {
  const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
  const problems = [];
  for (const r of results) {
    counts[r.status]++;
    if (r.status !== 'ok') {
      problems.push({ id: r.id, name: r.name, status: r.status, reason: r.reason,
        response: r.response ? { status: r.response.status, body: await r.response.text() } : undefined });
    }
  }
  console.log(JSON.stringify({ counts, problems }));
});
