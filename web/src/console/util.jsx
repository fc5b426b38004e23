import { useEffect, useState } from 'preact/hooks';
import { gql } from './api.js';
import { useI18n } from './i18n.js';

// useQuery runs a query whenever deps change and keeps only the latest answer.
export function useQuery(query, variables, deps) {
  const [state, setState] = useState({ loading: true });
  useEffect(() => {
    let live = true;
    setState({ loading: true });
    gql(query, variables).then((data) => live && setState({ data }), (error) => live && setState({ error }));
    return () => { live = false; };
  }, deps);
  return state;
}

export function ErrorNote({ error }) {
  const { t } = useI18n();
  return (
    <p class="error" role="alert">
      {t('error', { msg: error.message })}{error.code ? <code> {error.code}</code> : null}
    </p>
  );
}

// UserErrors lists a payload's userErrors with their codes.
export function UserErrors({ errors }) {
  if (!errors?.length) return null;
  return (
    <ul class="error" role="alert" data-user-errors>
      {errors.map((e) => <li><code>{e.code}</code> {e.message}{e.field ? ` (${e.field.join('.')})` : ''}</li>)}
    </ul>
  );
}
