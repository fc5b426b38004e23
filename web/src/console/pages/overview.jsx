// Overview: the market balance, the flows between provinces, the referral funnel,
// agreement fulfilment and monthly trends, each for the filter at the top.
import { useEffect, useState } from 'preact/hooks';
import { gql } from '../api.js';
import { useI18n } from '../i18n.js';
import { ChartCard } from '../chart.jsx';
import { useQuery, ErrorNote } from '../util.jsx';
import { fulfilmentQuery, monthlyMetrics, defaultPeriod, flowsFor } from './queries.js';

const MARKET = `query OverviewMarket($province: String) {
  stats { marketBalance(provinceCode: $province, occupationLevel: 1) {
    province { code name } occupation { code titleVi titleEn } demandPositions supplyWorkers shortage } } }`;

const REFERRALS = `query OverviewReferrals($from: Date!, $to: Date!, $center: String) {
  stats {
    referralFlows(from: $from, to: $to) { origin { code name } destination { code name } total hired }
    referralFunnel(centerCode: $center, from: $from, to: $to) { referred acknowledged interviewed hired employed
      acknowledgedRate interviewedRate hiredRate employedRate overallHireRate medianDaysToHire }
    ${monthlyMetrics.map((m) => `${m.alias}: monthly(metric: ${m.metric}, from: $from, to: $to, centerCode: $center) { month value }`).join(' ')}
  } }`;

const AGREEMENTS = `query OverviewAgreements($center: [String!]) {
  agreements(first: 20, filter: { statuses: [SIGNED, TERMINATED], partyCenterCodes: $center }) {
    edges { node { id title status } } } }`;

// Sum rows by a key, keeping the first row's label fields.
function sumBy(rows, key, fields) {
  const m = new Map();
  for (const r of rows) {
    const k = key(r);
    const acc = m.get(k) || { ...r, ...Object.fromEntries(fields.map((f) => [f, 0])) };
    for (const f of fields) acc[f] += r[f];
    m.set(k, acc);
  }
  return [...m.values()];
}

export function Overview({ refdata }) {
  const i = useI18n();
  const { t } = i;
  const [filter, setFilter] = useState(() => ({ ...defaultPeriod(), province: '', center: '' }));
  const [draft, setDraft] = useState(filter);
  const market = useQuery(MARKET, { province: filter.province || null }, [filter.province]);
  const refs = useQuery(REFERRALS, { from: filter.from, to: filter.to, center: filter.center || null },
    [filter.from, filter.to, filter.center]);
  const [fulfil, setFulfil] = useState({ loading: true });
  useEffect(() => {
    let live = true;
    setFulfil({ loading: true });
    (async () => {
      const a = await gql(AGREEMENTS, { center: filter.center ? [filter.center] : null });
      const ids = a.agreements.edges.map((e) => e.node.id);
      if (!ids.length) return { lines: [] };
      const d = await gql(fulfilmentQuery(ids), Object.fromEntries(ids.map((id, k) => ['a' + k, id])));
      return { lines: ids.flatMap((_, k) => (d.stats['a' + k]?.lines || []).map((l) => ({ ...l, agreement: d.stats['a' + k].agreement }))) };
    })().then((v) => live && setFulfil({ data: v }), (e) => live && setFulfil({ error: e }));
    return () => { live = false; };
  }, [filter.center]);

  const submit = (e) => {
    e.preventDefault();
    setFilter({ ...draft });
  };
  const set = (k) => (e) => setDraft({ ...draft, [k]: e.target.value });

  return (
    <div>
      <form class="filters card" onSubmit={submit} aria-label={t('filters')}>
        <label>{t('from')}<input type="date" name="from" value={draft.from} onInput={set('from')} required /></label>
        <label>{t('to')}<input type="date" name="to" value={draft.to} onInput={set('to')} required /></label>
        <label>{t('province')}
          <select name="province" value={draft.province} onChange={set('province')}>
            <option value="">{t('allProvinces')}</option>
            {refdata.provinces.filter((p) => p.isCurrent).map((p) => <option value={p.code}>{p.code} {p.name}</option>)}
          </select>
        </label>
        <label>{t('center')}
          <select name="center" value={draft.center} onChange={set('center')}>
            <option value="">{t('allCenters')}</option>
            {refdata.centers.map((c) => <option value={c.code}>{c.code} · {c.name}</option>)}
          </select>
        </label>
        <button type="submit" class="btn primary">{t('apply')}</button>
      </form>
      <div class="grid">
        <Market state={market} i={i} />
        <Referrals state={refs} i={i} province={filter.province} />
        <Fulfilment state={fulfil} i={i} />
      </div>
    </div>
  );
}

function Pending({ state, children }) {
  const { t } = useI18n();
  if (state.error) return <section class="card wide"><ErrorNote error={state.error} /></section>;
  if (!state.data) return <section class="card wide"><p class="muted">{t('loading')}</p></section>;
  return children(state.data);
}

function Market({ state, i }) {
  const { t, occ, num } = i;
  return (
    <Pending state={state}>
      {(data) => {
        const rows = data.stats.marketBalance.map((r) => ({
          province: r.province.name, provinceCode: r.province.code, occupation: occ(r.occupation), occupationCode: r.occupation.code,
          demandPositions: r.demandPositions, supplyWorkers: r.supplyWorkers, shortage: r.shortage,
        }));
        const byOcc = sumBy(rows, (r) => r.occupationCode, ['demandPositions', 'supplyWorkers', 'shortage']);
        const byProv = sumBy(rows, (r) => r.provinceCode, ['demandPositions', 'supplyWorkers', 'shortage']);
        const cols = [
          { key: 'province', label: t('province') }, { key: 'occupation', label: t('occupation') },
          { key: 'demandPositions', label: t('demandPositions'), numeric: true },
          { key: 'supplyWorkers', label: t('supplyWorkers'), numeric: true },
          { key: 'shortage', label: t('shortage'), numeric: true },
        ];
        const occCols = [cols[1], cols[2], cols[3], cols[4]];
        const provCols = [cols[0], cols[2], cols[3], cols[4]];
        return (
          <>
            <ChartCard id="balance-occupation" title={t('balanceByOccupation')} columns={occCols} rows={byOcc}
              height={Math.max(260, byOcc.length * 44 + 60)} option={{
                tooltip: { trigger: 'axis', valueFormatter: num },
                legend: { top: 0 },
                grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
                xAxis: { type: 'value', splitNumber: innerWidth < 600 ? 3 : 5, axisLabel: { formatter: num } },
                yAxis: { type: 'category', inverse: true, data: byOcc.map((r) => r.occupation),
                  axisLabel: { width: innerWidth < 600 ? 110 : 170, overflow: 'truncate' } },
                series: [
                  { name: t('demandPositions'), type: 'bar', data: byOcc.map((r) => r.demandPositions), label: { show: true, position: 'right', formatter: (p) => num(p.value) } },
                  { name: t('supplyWorkers'), type: 'bar', data: byOcc.map((r) => r.supplyWorkers), label: { show: true, position: 'right', formatter: (p) => num(p.value) } },
                ],
              }} />
            <ChartCard id="balance-province" title={t('balanceByProvince')} columns={provCols} rows={byProv}
              height={Math.max(240, byProv.length * 36 + 40)} option={{
                tooltip: { trigger: 'axis', valueFormatter: num },
                grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
                xAxis: { type: 'value', axisLabel: { formatter: num } },
                yAxis: { type: 'category', inverse: true, data: byProv.map((r) => r.province) },
                series: [{ name: t('shortage'), type: 'bar', label: { show: true, position: 'right', formatter: (p) => num(p.value) },
                  data: byProv.map((r) => ({ value: r.shortage, itemStyle: { color: r.shortage >= 0 ? '#c62828' : '#2e7d32' } })) }],
              }} />
          </>
        );
      }}
    </Pending>
  );
}

function Referrals({ state, i, province }) {
  const { t, num, pct, dec, month } = i;
  return (
    <Pending state={state}>
      {(data) => {
        const s = data.stats;
        const flows = flowsFor(s.referralFlows, province).map((f) => ({
          origin: f.origin.name, originCode: f.origin.code, destination: f.destination.name, destinationCode: f.destination.code,
          total: f.total, hired: f.hired,
        }));
        const names = {};
        for (const f of flows) {
          names['o' + f.originCode] = f.origin;
          names['d' + f.destinationCode] = f.destination;
        }
        const fu = s.referralFunnel;
        const stages = [
          { stage: t('referred'), count: fu.referred, rate: null },
          { stage: t('acknowledged'), count: fu.acknowledged, rate: fu.acknowledgedRate },
          { stage: t('interviewed'), count: fu.interviewed, rate: fu.interviewedRate },
          { stage: t('hired'), count: fu.hired, rate: fu.hiredRate },
          { stage: t('employed'), count: fu.employed, rate: fu.employedRate },
        ];
        const months = s.referrals.map((m, k) => ({
          month: m.month, ...Object.fromEntries(monthlyMetrics.map((x) => [x.alias, s[x.alias][k]?.value])),
        }));
        return (
          <>
            <ChartCard id="flows" title={t('flows')} height={360} rows={flows} columns={[
              { key: 'origin', label: t('originProvince') }, { key: 'destination', label: t('destinationProvince') },
              { key: 'total', label: t('total'), numeric: true }, { key: 'hired', label: t('hired'), numeric: true }]}
              option={{
                tooltip: { trigger: 'item', formatter: (p) => (p.dataType === 'edge'
                  ? `${names[p.data.source]} → ${names[p.data.target]}: ${num(p.data.value)}` : `${names[p.name]}: ${num(p.value)}`) },
                series: [{
                  type: 'sankey', left: 8, right: 110, top: 12, bottom: 12, nodeGap: 14, emphasis: { focus: 'adjacency' },
                  lineStyle: { color: 'gradient', curveness: 0.5, opacity: 0.45 },
                  label: { formatter: (p) => names[p.name] },
                  data: Object.keys(names).map((n) => ({ name: n })),
                  links: flows.map((f) => ({ source: 'o' + f.originCode, target: 'd' + f.destinationCode, value: f.total })),
                }],
              }} />
            <ChartCard id="funnel" title={t('funnel')} rows={fu.referred ? stages : []} height={300} columns={[
              { key: 'stage', label: t('stage') }, { key: 'count', label: t('count'), numeric: true },
              { key: 'rate', label: t('rate'), numeric: true, format: (v) => pct(v) }]}
              summary={<dl class="kpis">
                <div><dt>{t('medianDaysToHire')}</dt><dd data-kpi="medianDaysToHire" data-value={fu.medianDaysToHire}>
                  {fu.medianDaysToHire == null ? '—' : t('days', { n: dec(fu.medianDaysToHire) })}</dd></div>
                <div><dt>{t('overallHireRate')}</dt><dd data-kpi="overallHireRate" data-value={fu.overallHireRate}>{pct(fu.overallHireRate)}</dd></div>
              </dl>}
              option={{
                tooltip: { trigger: 'item', valueFormatter: num },
                series: [{ type: 'funnel', sort: 'none', left: '10%', width: '80%', top: 8, bottom: 8, minSize: '34%', gap: 2,
                  label: { position: 'inside', formatter: (p) => `${p.name}: ${num(p.value)}`, color: '#fff', fontWeight: 600 },
                  data: stages.map((x) => ({ name: x.stage, value: x.count })) }],
              }} />
            <ChartCard id="monthly" title={t('monthly')} rows={months} height={340} columns={[
              { key: 'month', label: t('month'), format: (v) => month(v) },
              ...monthlyMetrics.map((m) => ({ key: m.alias, label: t('m_' + m.metric), numeric: true }))]}
              option={{
                tooltip: { trigger: 'axis', valueFormatter: num },
                legend: { top: 0 },
                grid: { left: 8, right: 8, top: 64, bottom: 8, containLabel: true },
                xAxis: { type: 'category', data: months.map((m) => month(m.month)) },
                // Referrals and hires (left) are tens a month, positions and workers published
                // (right) hundreds: two axes keep both readable.
                yAxis: [{ type: 'value', axisLabel: { formatter: num } },
                  { type: 'value', axisLabel: { formatter: num }, splitLine: { show: false } }],
                series: monthlyMetrics.map((m, k) => ({ name: t('m_' + m.metric), type: 'line', smooth: true, symbolSize: 6,
                  yAxisIndex: k < 2 ? 0 : 1, lineStyle: k < 2 ? { width: 3 } : { type: 'dashed' },
                  data: months.map((x) => x[m.alias]) })),
              }} />
          </>
        );
      }}
    </Pending>
  );
}

function Fulfilment({ state, i }) {
  const { t, num, occ, pct } = i;
  return (
    <Pending state={state}>
      {(data) => {
        const rows = data.lines.map((l, k) => ({
          agreement: l.agreement.title, line: `${l.occupation.code} ${l.from.code}→${l.to.code}`,
          occupation: occ(l.occupation), quota: l.quota, referred: l.referred, hired: l.hired, remaining: l.remaining, hiredRate: l.hiredRate,
          key: k,
        }));
        const labels = rows.map((r) => r.line);
        return (
          <ChartCard id="fulfilment" title={t('fulfillment')} rows={rows} height={Math.max(240, rows.length * 70 + 60)} columns={[
            { key: 'agreement', label: t('agreement') }, { key: 'line', label: t('direction') },
            { key: 'occupation', label: t('occupation') }, { key: 'quota', label: t('quota'), numeric: true },
            { key: 'referred', label: t('referred'), numeric: true }, { key: 'hired', label: t('hired'), numeric: true },
            { key: 'hiredRate', label: t('rate'), numeric: true, format: (v) => pct(v) }]}
            option={{
              tooltip: { trigger: 'axis', valueFormatter: num },
              legend: { top: 0 },
              grid: { left: 8, right: 40, top: 32, bottom: 8, containLabel: true },
              xAxis: { type: 'value', axisLabel: { formatter: num } },
              yAxis: { type: 'category', inverse: true, data: labels },
              series: ['quota', 'referred', 'hired'].map((k) => ({ name: t(k), type: 'bar', data: rows.map((r) => r[k]),
                label: { show: true, position: 'right', formatter: (p) => num(p.value) } })),
            }} />
        );
      }}
    </Pending>
  );
}
