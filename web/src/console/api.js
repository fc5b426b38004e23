// The console's only way to the server: GraphQL over POST with the signed-in token.
export const TOKEN_KEY = 'laborx.token';

export function getToken() {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(t) {
  if (t) localStorage.setItem(TOKEN_KEY, t);
  else localStorage.removeItem(TOKEN_KEY);
}

// GraphQLError carries the errors[] of a response; code is the first one's extensions.code.
export class GraphQLError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join('; '));
    this.errors = errors;
    this.code = errors[0]?.extensions?.code;
  }
}

// gql runs one operation and returns its data, or throws GraphQLError. Partial data with
// errors is thrown too: every page asks only for what it can show whole.
export async function gql(query, variables = {}) {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + getToken() },
    body: JSON.stringify({ query, variables }),
  });
  let body;
  try {
    body = await res.json();
  } catch {
    throw new GraphQLError([{ message: `HTTP ${res.status}`, extensions: { code: 'HTTP_' + res.status } }]);
  }
  if (body.errors?.length) throw new GraphQLError(body.errors);
  return body.data;
}
