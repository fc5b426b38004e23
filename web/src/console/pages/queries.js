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
