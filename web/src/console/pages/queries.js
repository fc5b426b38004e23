// Queries and shaping of the Overview, plain JavaScript so the browser tests run the
// very same against the API and compare.
export const fulfilmentQuery = (ids) => `query OverviewFulfilment(${ids.map((_, i) => `$a${i}: ID!`).join(', ')}) { stats {
  ${ids.map((_, i) => `a${i}: agreementFulfillment(agreementId: $a${i}) { agreement { id title }
    lines { occupation { code titleVi titleEn } from { code } to { code } quota referred hired remaining hiredRate } }`).join('\n')} } }`;

export const monthlyMetrics = [
  { alias: 'referrals', metric: 'REFERRALS' },
  { alias: 'hires', metric: 'HIRES' },
  { alias: 'demand', metric: 'DEMAND_POSITIONS_PUBLISHED' },
  { alias: 'supply', metric: 'SUPPLY_WORKERS_PUBLISHED' },
];

// The default period: the last 18 calendar months, this one included.
export function defaultPeriod(now = new Date()) {
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 17, 1));
  return { from: from.toISOString().slice(0, 10), to: now.toISOString().slice(0, 10) };
}

// flowsFor keeps the flows that touch the province (all when none is chosen).
export function flowsFor(flows, province) {
  return province ? flows.filter((f) => f.origin.code === province || f.destination.code === province) : flows;
}

// The casework page: benefit transfers in and out with their deadline, and the
// retention checkpoints due. A center lists by direction; operators (who have no
// direction) see every transfer at once.
export const transferFields = `id status requestedOn dueBy overdue revision monthsRemaining
  fromCenter { code name } toCenter { code name } worker { fullName }`;
export const transfersQuery = `query CaseworkTransfers($f: BenefitTransferFilter) {
  benefitTransfers(filter: $f, first: 100) { totalCount edges { node { ${transferFields} } } } }`;
export const checkpointsQuery = `query CaseworkCheckpoints { referrals(filter: { checkpointDue: true }, first: 100) {
  totalCount edges { node { id status createdAt origin { code } destination { code } worker { fullName }
    occupation { code titleVi titleEn } checkpoints { day dueOn status } } } } }`;

// dueCheckpoints lists, for each referral the filter returned, the checkpoints that are
// due (open, due today or before; the UTC date, as the server counts), oldest first.
export function dueCheckpoints(referrals, today = new Date().toISOString().slice(0, 10)) {
  return referrals.flatMap((r) => r.checkpoints
    .filter((c) => c.status === 'DUE' && c.dueOn <= today)
    .map((c) => ({ referral: r, ...c })))
    .sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : a.day - b.day));
}

// The center's transfer figures over every request date (stats.benefitTransfers).
export const transferStatsQuery = `query CaseworkTransferStats($c: String) { stats { benefitTransfers(centerCode: $c) {
  total overdue medianWorkingDaysToSent medianWorkingDaysToAccepted } } }`;
