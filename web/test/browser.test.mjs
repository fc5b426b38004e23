// Browser tests of the console and GraphiQL against a running `laborx serve --dev --demo`.
// Run by .ci/run (web/test/run.sh): LABORX_URL is the server, PLAYWRIGHT_DIR a folder
// with playwright-core installed, CHROMIUM the Debian chromium binary. Every request
// that does not go to LABORX_URL is blocked and fails the test that made it; each test
// saves a screenshot under web/test/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fulfilmentQuery, flowsFor, defaultPeriod, monthlyMetrics, transfersQuery, checkpointsQuery, dueCheckpoints,
  transferStatsQuery }
  from '../src/console/pages/queries.js';

const base = process.env.LABORX_URL;
const pwDir = process.env.PLAYWRIGHT_DIR;
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!base || !pwDir) throw new Error('set LABORX_URL and PLAYWRIGHT_DIR (run web/test/run.sh)');
const { chromium } = createRequire(join(pwDir, 'package.json'))(pwDir);
const shots = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
mkdirSync(shots, { recursive: true });

let browser;
const external = [];

before(async () => {
  // launch() gives chromium a fresh temporary profile of its own (it refuses a
  // --user-data-dir flag) and deletes it on close.
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
});

after(async () => {
  await browser?.close();
  assert.deepEqual(external, [], 'requests left the machine');
});

// newPage opens a page whose requests may go to the server only.
async function newPage(viewport = { width: 1366, height: 900 }) {
  const context = await browser.newContext({ viewport, locale: 'vi-VN' });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(base + '/') || url.startsWith(base.replace(/^http/, 'ws') + '/')) return route.continue();
    external.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => { throw e; });
  return page;
}

async function shot(page, name, fullPage = true) {
  await page.screenshot({ path: join(shots, name + '.png'), fullPage });
}

// api runs a query with the token the page signed in with, as the console does.
async function api(token, query, variables = {}) {
  const res = await fetch(base + '/graphql', {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

async function demoToken(center) {
  const res = await fetch(base + '/console/demo-token', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ center }),
  });
  assert.equal(res.status, 200);
  return (await res.json()).token;
}

async function signIn(page, center) {
  await page.goto(base + '/console');
  await page.locator(`[data-demo-center="${center}"]`).click();
  await page.locator(`[data-viewer="${center}"]`).waitFor();
  return page.evaluate(() => localStorage.getItem('laborx.token'));
}

// chartOption reads what an ECharts chart draws.
async function chartOption(page, id) {
  await page.locator(`[data-chart="${id}"] svg`).first().waitFor();
  return page.evaluate((id) => {
    const o = window.laborx.charts[id].getOption();
    return { series: o.series.map((s) => ({ data: s.data, links: s.links })), yAxis: o.yAxis?.[0]?.data, xAxis: o.xAxis?.[0]?.data };
  }, id);
}

const values = (data) => data.map((d) => (typeof d === 'object' && d !== null ? d.value : d));

function sumBy(rows, key, field) {
  const m = new Map();
  for (const r of rows) m.set(key(r), (m.get(key(r)) || 0) + r[field]);
  return [...m.values()];
}

// checkOverview compares every chart with the API's figures for the same filter.
async function checkOverview(page, token, { from, to, province, center }) {
  const mb = (await api(token, `query($p: String) { stats { marketBalance(provinceCode: $p, occupationLevel: 1) {
    province { code } occupation { code } demandPositions supplyWorkers shortage } } }`, { p: province || null })).stats.marketBalance;
  assert.ok(mb.length > 0, 'market balance has rows');
  let o = await chartOption(page, 'balance-occupation');
  assert.deepEqual(values(o.series[0].data), sumBy(mb, (r) => r.occupation.code, 'demandPositions'));
  assert.deepEqual(values(o.series[1].data), sumBy(mb, (r) => r.occupation.code, 'supplyWorkers'));
  o = await chartOption(page, 'balance-province');
  assert.deepEqual(values(o.series[0].data), sumBy(mb, (r) => r.province.code, 'shortage'));

  const s = (await api(token, `query($from: Date!, $to: Date!, $c: String) { stats {
    referralFlows(from: $from, to: $to) { origin { code } destination { code } total }
    referralFunnel(centerCode: $c, from: $from, to: $to) { referred acknowledged interviewed hired employed medianDaysToHire }
    ${monthlyMetrics.map((m) => `${m.alias}: monthly(metric: ${m.metric}, from: $from, to: $to, centerCode: $c) { month value }`).join('\n')}
  } }`, { from, to, c: center || null })).stats;
  const flows = flowsFor(s.referralFlows, province);
  assert.ok(flows.length > 0, 'flows has links');
  o = await chartOption(page, 'flows');
  assert.deepEqual(o.series[0].links.map((l) => [l.source, l.target, l.value]),
    flows.map((f) => ['o' + f.origin.code, 'd' + f.destination.code, f.total]));
  const fu = s.referralFunnel;
  o = await chartOption(page, 'funnel');
  assert.deepEqual(values(o.series[0].data), [fu.referred, fu.acknowledged, fu.interviewed, fu.hired, fu.employed]);
  assert.ok(fu.medianDaysToHire >= 1, `median days to hire is days, got ${fu.medianDaysToHire}`);
  assert.equal(Number(await page.locator('[data-kpi="medianDaysToHire"]').getAttribute('data-value')), fu.medianDaysToHire);
  o = await chartOption(page, 'monthly');
  for (const [k, m] of monthlyMetrics.entries()) {
    assert.ok(s[m.alias].length >= 12, `${m.alias} has ${s[m.alias].length} months`);
    assert.deepEqual(o.series[k].data, s[m.alias].map((x) => x.value), m.alias);
  }
  assert.ok(s.referrals.filter((x) => x.value > 0).length >= 12, 'referrals in at least 12 months');

  const list = (await api(token, `query($c: [String!]) { agreements(first: 20, filter: { statuses: [SIGNED, TERMINATED], partyCenterCodes: $c }) {
    edges { node { id } } } }`, { c: center ? [center] : null })).agreements.edges.map((e) => e.node.id);
  assert.ok(list.length > 0, 'signed or terminated agreements');
  const ff = (await api(token, fulfilmentQuery(list), Object.fromEntries(list.map((id, k) => ['a' + k, id])))).stats;
  const lines = list.flatMap((_, k) => ff['a' + k].lines);
  o = await chartOption(page, 'fulfilment');
  assert.deepEqual(o.series.map((x) => values(x.data)), ['quota', 'referred', 'hired'].map((f) => lines.map((l) => l[f])));
}

test('sign in as a demo center and see every chart show the API figures', async () => {
  const page = await newPage();
  await page.goto(base + '/console');
  await page.locator('[data-demo-center="TNG"]').waitFor();
  await shot(page, '01-sign-in');
  const token = await signIn(page, 'TNG');
  await checkOverview(page, token, { ...defaultPeriod(), province: '', center: '' });
  await shot(page, '02-overview');

  // The same with a filter: Hải Phòng's market, TNG's referrals over the last year.
  const now = new Date();
  const filter = { from: `${now.getUTCFullYear() - 1}-${String(now.getUTCMonth() + 1).padStart(2, '0')}-01`,
    to: now.toISOString().slice(0, 10), province: '31', center: 'TNG' };
  await page.fill('input[name="from"]', filter.from);
  await page.fill('input[name="to"]', filter.to);
  await page.selectOption('select[name="province"]', filter.province);
  await page.selectOption('select[name="center"]', filter.center);
  await page.getByRole('button', { name: 'Áp dụng' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-chart]').length >= 6);
  await checkOverview(page, token, filter);
  await page.locator('[data-card="funnel"] details summary').click();
  await shot(page, '03-overview-filtered');
  const rows = await page.locator('[data-table="funnel"] tbody tr').count();
  assert.equal(rows, 5);
  // The CSV holds what the table shows, with its Vietnamese headers.
  const [download] = await Promise.all([page.waitForEvent('download'),
    page.locator('[data-card="funnel"] .card-head button').click()]);
  assert.equal(download.suggestedFilename(), 'funnel.csv');
  const csv = readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '').trim().split('\r\n');
  assert.equal(csv[0], 'Giai đoạn,Số lượng,Tỉ lệ chuyển');
  const referred = await page.locator('[data-table="funnel"] tbody tr').first().locator('td').nth(1).getAttribute('data-value');
  assert.equal(csv[1].split(',')[1], referred);
  assert.equal(csv.length, 6);
  await page.context().close();
});

test('search the market with "tho may" and a dissolved province, open a posting and its matches', async () => {
  const page = await newPage();
  const token = await signIn(page, 'TNG');
  await page.getByRole('link', { name: 'Thị trường' }).click();
  await page.fill('input[name="text"]', 'tho may');
  await page.selectOption('select[name="province"]', '30'); // Hải Dương, merged into Hải Phòng in 2025
  await page.getByRole('button', { name: 'Tìm kiếm' }).click();
  const want = (await api(token, `{ laborDemands(filter: { text: "tho may", provinceCodes: ["30"], statuses: [OPEN] }) {
    totalCount edges { node { id title } } } }`)).laborDemands;
  assert.ok(want.totalCount > 0, 'the demo has a "Thợ may" demand in the former Hải Dương');
  await page.locator(`[data-result-count="${want.totalCount}"]`).waitFor();
  const titles = await page.locator('.results .posting .title').allTextContents();
  assert.deepEqual(titles, want.edges.map((e) => e.node.title));
  assert.match(titles[0], /Thợ may/);
  await page.locator(`[data-posting="${want.edges[0].node.id}"]`).click();
  await page.locator('[data-detail] .matches, [data-detail] p.muted').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-detail]')?.textContent.includes('Đang tải'));
  const m = (await api(token, `query($id: ID!) { matchesForDemand(demandId: $id, first: 10) { score reasons } }`,
    { id: want.edges[0].node.id })).matchesForDemand;
  assert.equal(await page.locator('[data-detail] .matches > li').count(), m.length);
  await shot(page, '04-market');
  await page.context().close();
});

test('sign an agreement revision as each party and see it become SIGNED', async () => {
  // TNG proposes, BNH counters with a second revision; both then sign in the console.
  const tng = await demoToken('TNG');
  const bnh = await demoToken('BNH');
  const year = new Date().getUTCFullYear() + 1;
  const terms = (workers) => ({ validFrom: `${year}-01-01`, validUntil: `${year}-12-31`,
    quotas: [{ occupationCode: '8212', workers, fromCenterCode: 'TNG', toCenterCode: 'BNH' }], supportPolicy: 'Hỗ trợ đi lại' });
  const p = (await api(tng, `mutation($in: ProposeAgreementInput!) { proposeAgreement(input: $in) { agreement { id version } userErrors { code message } } }`,
    { in: { title: `Kiểm thử trình duyệt ${Date.now()}`, partyCenterCodes: ['BNH'], terms: terms(40) } })).proposeAgreement;
  assert.deepEqual(p.userErrors, []);
  const id = p.agreement.id;
  const r = (await api(bnh, `mutation($in: ReviseAgreementInput!) { reviseAgreement(input: $in) { userErrors { code message } } }`,
    { in: { agreementId: id, terms: terms(55), note: 'Bắc Ninh đề nghị 55 người', expectedVersion: p.agreement.version } })).reviseAgreement;
  assert.deepEqual(r.userErrors, []);

  const page = await newPage();
  for (const [k, center] of ['TNG', 'BNH'].entries()) {
    await signIn(page, center);
    await page.getByRole('link', { name: 'Thỏa thuận' }).click();
    await page.locator(`[data-agreement="${id}"]`).click();
    await page.locator('[data-table="revisions"] tr.changed').first().waitFor();
    await page.locator('[data-action="sign"]').click();
    const want = k === 0 ? 'NEGOTIATING' : 'SIGNED';
    await page.locator(`[data-agreement-detail] .meta [data-status="${want}"]`).waitFor();
    if (k === 0) {
      // A second signature of the same revision by the same center is a user error, shown as such.
      await page.locator('[data-action="sign"]').click();
      await page.locator('[data-user-errors]').waitFor();
      await page.getByRole('button', { name: 'Đăng xuất' }).click();
    }
  }
  const a = (await api(bnh, `query($id: ID!) { node(id: $id) { ... on Agreement { status signatures { center { code } revision termsHash } } } }`, { id })).node;
  assert.equal(a.status, 'SIGNED');
  assert.deepEqual(a.signatures.map((s) => [s.center.code, s.revision]).sort(), [['BNH', 2], ['TNG', 2]]);
  assert.equal(await page.locator('[data-table="signatures"] tbody tr').count(), 2);
  await shot(page, '05-agreement-signed');
  await page.context().close();
});

test('sign in with a pasted token by keyboard, switch to English on a phone, open GraphiQL signed in', async () => {
  const page = await newPage({ width: 390, height: 844 }); // a phone
  // Sign in by pasting a token, with the keyboard only; a bad token is refused first.
  await page.goto(base + '/console');
  await page.locator('#token').focus();
  await page.keyboard.type('not-a-token');
  await page.keyboard.press('Tab'); // past the text area to the sign-in button
  await page.keyboard.press('Enter');
  await page.locator('.signin .error').waitFor();
  await page.locator('#token').fill('');
  await page.locator('#token').focus();
  await page.keyboard.type(await demoToken('HPG'));
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.locator('[data-viewer="HPG"]').waitFor();
  await page.selectOption('select[name="lang"]', 'en');
  await page.getByRole('link', { name: 'Overview' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.locator('[data-chart="monthly"] svg').first().waitFor();
  await page.locator('[data-card="balance-occupation"] details summary').click();
  const cell = page.locator('[data-table="balance-occupation"] td[data-key="demandPositions"]').first();
  const raw = Number(await cell.getAttribute('data-value'));
  assert.equal(await cell.textContent(), new Intl.NumberFormat('en-GB').format(raw));
  assert.equal(await page.getByRole('heading', { name: 'Monthly trends' }).count(), 1);
  await shot(page, '06-english-phone');
  await page.selectOption('select[name="lang"]', 'vi');
  await page.getByRole('link', { name: 'Tổng quan' }).waitFor();
  // GraphiQL takes the console's sign-in: no token prompt.
  await page.goto(base + '/');
  await page.locator('.graphiql-container').waitFor();
  assert.equal(await page.locator('#lx-token-input').count(), 0);
  await page.context().close();
});

test('GraphiQL works with every external request blocked and sends the token on introspection', async () => {
  const page = await newPage();
  const token = await demoToken('HNI');
  const introspections = [];
  page.on('request', (req) => {
    if (req.url() === base + '/graphql' && req.method() === 'POST' && (req.postData() || '').includes('__schema')) {
      introspections.push(req.headers().authorization);
    }
  });
  await page.goto(base + '/');
  await page.locator('#lx-token-input').waitFor();
  await shot(page, '07-graphiql-token', false);
  await page.locator('#lx-token-input').fill(token);
  await page.getByRole('button', { name: 'Use this token' }).click();
  await page.locator('.graphiql-container').waitFor();
  await page.waitForFunction(() => document.querySelector('.graphiql-execute-button'));
  await page.locator('.graphiql-execute-button').click();
  await page.locator('.result-window').getByText('"viewer"').waitFor();
  const result = await page.locator('.result-window').textContent();
  assert.match(result, /Trung tâm Dịch vụ việc làm Hà Nội/);
  assert.ok(introspections.length > 0, 'the schema was introspected');
  assert.ok(introspections.every((h) => h === 'Bearer ' + token), 'introspection carried the token');
  await page.getByRole('button', { name: /Show Documentation Explorer/i }).click();
  await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).first().waitFor();
  await shot(page, '08-graphiql', false);
  await page.context().close();
});

test('casework lists the center\'s benefit transfers with their deadline and the checkpoints due', async () => {
  const page = await newPage();
  const token = await signIn(page, 'TNG');
  await page.getByRole('link', { name: 'Hồ sơ cần xử lý' }).click();
  for (const direction of ['OUTGOING', 'INCOMING']) {
    const want = (await api(token, transfersQuery, { f: { direction } })).benefitTransfers;
    assert.ok(want.totalCount > 0, `the demo has ${direction} transfers for TNG`);
    const rows = page.locator(`[data-table="transfers-${direction}"] tbody tr`);
    await rows.first().waitFor();
    const got = await rows.evaluateAll((trs) => trs.map((tr) => [tr.dataset.transfer, tr.dataset.status, tr.dataset.overdue === 'true',
      tr.querySelector('[data-key="dueBy"]').dataset.value, tr.classList.contains('overdue')]));
    assert.deepEqual(got, want.edges.map(({ node: n }) => [n.id, n.status, n.overdue, n.dueBy, n.overdue]));
  }
  // The figures are stats.benefitTransfers of TNG: the overdue transfer among them.
  const fig = (await api(token, transferStatsQuery, { c: 'TNG' })).stats.benefitTransfers;
  assert.ok(fig.overdue >= 1 && fig.total >= 7, `TNG's figures ${JSON.stringify(fig)}`);
  for (const k of ['total', 'overdue', 'medianWorkingDaysToSent', 'medianWorkingDaysToAccepted']) {
    const key = { total: 'transfersTotal', overdue: 'transfersOverdue' }[k] || k;
    assert.equal(await page.locator(`[data-kpi="${key}"]`).getAttribute('data-value'), String(fig[k] ?? ''), k);
  }
  // The demo's overdue transfer is TNG's, highlighted with its badge.
  const overdue = page.locator('[data-table="transfers-OUTGOING"] tr.overdue');
  assert.ok(await overdue.count() >= 1, 'an overdue transfer is highlighted');
  assert.match(await overdue.first().textContent(), /quá hạn/);
  // Together the demo has a transfer in every status.
  const all = [];
  for (const c of ['TNG', 'HPG', 'BNH', 'HNI', 'HYN']) {
    const d = (await api(await demoToken(c), transfersQuery, { f: { direction: 'OUTGOING' } })).benefitTransfers;
    all.push(...d.edges.map((e) => e.node.status));
  }
  assert.deepEqual([...new Set(all)].sort(), ['ACCEPTED', 'CANCELLED', 'NOTIFIED', 'RECEIVED', 'REQUESTED', 'RETURNED', 'SENT']);

  const refs = (await api(token, checkpointsQuery)).referrals.edges.map((e) => e.node);
  const due = dueCheckpoints(refs);
  assert.ok(due.length > 0, 'the demo has retention checkpoints due for TNG');
  const rows = page.locator('[data-table="checkpoints"] tbody tr');
  await rows.first().waitFor();
  const got = await rows.evaluateAll((trs) => trs.map((tr) => [tr.dataset.referral, Number(tr.dataset.day),
    tr.querySelector('[data-key="dueOn"]').dataset.value]));
  assert.deepEqual(got, due.map((c) => [c.referral.id, c.day, c.dueOn]));
  const today = new Date().toISOString().slice(0, 10);
  assert.ok(got.every(([, , dueOn]) => dueOn <= today), 'only checkpoints due by today');
  await shot(page, '09-casework');
  await page.context().close();
});
