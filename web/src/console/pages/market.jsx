// Market: search demand and supply with the API's filters, open a posting, see its
// explained matches.
import { useEffect, useState } from 'preact/hooks';
import { gql } from '../api.js';
import { useI18n } from '../i18n.js';
import { ErrorNote } from '../util.jsx';

const OCC = 'occupation { code titleVi titleEn }';
const DEMAND_FIELDS = `id title quantity filledCount openPositions wageMin wageMax status expiresAt employmentType
  center { code name } workProvince { code name } ${OCC}`;
const SUPPLY_FIELDS = `id quantity availableFrom availableUntil expectedWageMin status notes skillLevel
  center { code name province { code name } } destinationProvinces { code name } ${OCC}`;

const SEARCH = {
  demand: `query MarketDemands($filter: LaborDemandFilter, $after: String) {
    laborDemands(filter: $filter, first: 20, after: $after) { totalCount pageInfo { hasNextPage endCursor }
      edges { node { ${DEMAND_FIELDS} } } } }`,
  supply: `query MarketSupplies($filter: LaborSupplyFilter, $after: String) {
    laborSupplies(filter: $filter, first: 20, after: $after) { totalCount pageInfo { hasNextPage endCursor }
      edges { node { ${SUPPLY_FIELDS} } } } }`,
};

const DETAIL = {
  demand: `query DemandDetail($id: ID!) { node(id: $id) { ... on LaborDemand { ${DEMAND_FIELDS} description workAddress
      employer { name taxCode } benefits { housing transportSupport meals note } } }
    matchesForDemand(demandId: $id, first: 10) { score reasons laborSupply { ${SUPPLY_FIELDS} } } }`,
  supply: `query SupplyDetail($id: ID!) { node(id: $id) { ... on LaborSupply { ${SUPPLY_FIELDS} } }
    matchesForSupply(supplyId: $id, first: 10) { score reasons laborDemand { ${DEMAND_FIELDS} } } }`,
};

export function Market({ refdata }) {
  const i = useI18n();
  const { t, num } = i;
  const [kind, setKind] = useState('demand');
  const [form, setForm] = useState({ occupationCode: '', province: '', text: '', status: 'OPEN' });
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [selected, setSelected] = useState(null);

  const filterOf = (f) => ({
    occupationCode: f.occupationCode.trim() || null,
    provinceCodes: f.province ? [f.province] : null,
    text: f.text.trim() || null,
    statuses: f.status ? [f.status] : null,
  });
  const run = async (after) => {
    setError(null);
    try {
      const d = await gql(SEARCH[kind], { filter: filterOf(form), after });
      const conn = kind === 'demand' ? d.laborDemands : d.laborSupplies;
      setResult((prev) => ({ kind, totalCount: conn.totalCount, pageInfo: conn.pageInfo,
        nodes: [...(after && prev ? prev.nodes : []), ...conn.edges.map((e) => e.node)] }));
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => { run(null); setSelected(null); }, [kind]);
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const statuses = kind === 'demand' ? ['OPEN', 'FILLED', 'CLOSED', 'EXPIRED'] : ['OPEN', 'EXHAUSTED', 'WITHDRAWN'];
  const byCode = Object.fromEntries(refdata.provinces.map((p) => [p.code, p]));

  return (
    <div class="market">
      <div class="tabs" role="tablist" aria-label={t('market')}>
        {['demand', 'supply'].map((k) => (
          <button type="button" role="tab" aria-selected={kind === k} class={'tab' + (kind === k ? ' active' : '')}
            onClick={() => { setKind(k); setForm({ ...form, status: 'OPEN' }); }}>{t(k)}</button>
        ))}
      </div>
      <form class="filters card" onSubmit={(e) => { e.preventDefault(); setSelected(null); run(null); }} aria-label={t('search')}>
        <label>{t('text')}<input type="search" name="text" value={form.text} onInput={set('text')} placeholder="tho may" /></label>
        <label>{t('occupationPrefix')}<input name="occupationCode" inputMode="numeric" pattern="[0-9]{1,4}" value={form.occupationCode} onInput={set('occupationCode')} /></label>
        <label>{t('province')}
          <select name="province" value={form.province} onChange={set('province')}>
            <option value="">{t('allProvinces')}</option>
            {refdata.provinces.map((p) => (
              <option value={p.code}>{p.code} {p.isCurrent ? p.name : t('dissolved', { name: p.name, successor: byCode[p.successor?.code]?.name || '' })}</option>
            ))}
          </select>
        </label>
        <label>{t('status')}
          <select name="status" value={form.status} onChange={set('status')}>
            <option value="">{t('any')}</option>
            {statuses.map((s) => <option value={s}>{t('d_' + s)}</option>)}
          </select>
        </label>
        <button type="submit" class="btn primary">{t('search')}</button>
      </form>
      {error && <ErrorNote error={error} />}
      <div class="split">
        {result && result.kind === kind && (
          <section class="card results" aria-live="polite">
            <p class="muted" data-result-count={result.totalCount}>{t('results', { n: num(result.totalCount) })}</p>
            <ul class="postings">
              {result.nodes.map((n) => (
                <li>
                  <button type="button" class={'posting' + (selected?.id === n.id ? ' active' : '')} onClick={() => setSelected(n)} data-posting={n.id}>
                    <Posting kind={kind} n={n} i={i} />
                  </button>
                </li>
              ))}
            </ul>
            {result.pageInfo.hasNextPage && <button type="button" class="btn" onClick={() => run(result.pageInfo.endCursor)}>{t('showMore')}</button>}
          </section>
        )}
        {selected && <Detail kind={kind} id={selected.id} onClose={() => setSelected(null)} />}
      </div>
    </div>
  );
}

function Posting({ kind, n, i }) {
  const { t, num, vnd, occ, date } = i;
  if (kind === 'demand') {
    return (
      <>
        <strong class="title">{n.title}</strong>
        <span class="meta">{occ(n.occupation)}</span>
        <span class="meta">{n.center.code} · {n.workProvince.name} · {t('d_' + n.status)}</span>
        <span class="figures"><b>{num(n.openPositions)}</b> {t('positions')} · {n.wageMin ? vnd(n.wageMin) : '—'}{n.wageMax ? ' – ' + vnd(n.wageMax) : ''}</span>
        <span class="meta">{t('expiresAt')}: {date(n.expiresAt)}</span>
      </>
    );
  }
  return (
    <>
      <strong class="title">{occ(n.occupation)}</strong>
      <span class="meta">{n.center.code} · {n.center.province.name} · {t('d_' + n.status)}</span>
      <span class="figures"><b>{num(n.quantity)}</b> {t('workers')} · {t('availableFrom')} {date(n.availableFrom)}</span>
      <span class="meta">{t('destinations')}: {n.destinationProvinces.length ? n.destinationProvinces.map((p) => p.name).join(', ') : t('anyProvince')}</span>
    </>
  );
}

function Detail({ kind, id, onClose }) {
  const i = useI18n();
  const { t, num, vnd, pct } = i;
  const [state, setState] = useState({});
  useEffect(() => {
    let live = true;
    setState({});
    gql(DETAIL[kind], { id }).then((d) => live && setState({ data: d }), (e) => live && setState({ error: e }));
    return () => { live = false; };
  }, [kind, id]);
  const d = state.data;
  const n = d?.node;
  const matches = d ? (kind === 'demand' ? d.matchesForDemand : d.matchesForSupply) : [];
  return (
    <section class="card detail" aria-labelledby="detail-title" data-detail={id}>
      <header class="card-head">
        <h2 id="detail-title">{t('detail')}</h2>
        <button type="button" class="btn small" onClick={onClose}>{t('close')}</button>
      </header>
      {state.error && <ErrorNote error={state.error} />}
      {!d && !state.error && <p class="muted">{t('loading')}</p>}
      {n && (
        <>
          <div class="posting static"><Posting kind={kind} n={n} i={i} /></div>
          {kind === 'demand' && (
            <dl class="facts">
              <dt>{t('employer')}</dt><dd>{n.employer.name}{n.employer.taxCode ? ` (${n.employer.taxCode})` : ''}</dd>
              <dt>{t('wage')}</dt><dd>{vnd(n.wageMin)} – {vnd(n.wageMax)}</dd>
              {n.workAddress && <><dt>{t('workProvince')}</dt><dd>{n.workAddress}</dd></>}
              {n.description && <><dt>{t('notes')}</dt><dd>{n.description}</dd></>}
            </dl>
          )}
          <h3>{t('matches')}</h3>
          {matches.length === 0 && <p class="muted">{t('noMatches')}</p>}
          <ol class="matches">
            {matches.map((m) => {
              const other = kind === 'demand' ? m.laborSupply : m.laborDemand;
              return (
                <li data-match-score={m.score}>
                  <div class="score" aria-label={t('score')}><meter min="0" max="1" value={m.score} />{pct(m.score)}</div>
                  <div class="posting static"><Posting kind={kind === 'demand' ? 'supply' : 'demand'} n={other} i={i} /></div>
                  <ul class="reasons" aria-label={t('reasons')}>
                    {m.reasons.map((r) => <li data-reason={r}>{t('r_' + r)}</li>)}
                  </ul>
                </li>
              );
            })}
          </ol>
        </>
      )}
    </section>
  );
}
