// Casework: the signed-in center's unemployment-insurance transfers, incoming and
// outgoing, with their deadline (overdue ones highlighted), and the retention
// checkpoints of its hires that are due now.
import { useI18n } from '../i18n.js';
import { ErrorNote, useQuery } from '../util.jsx';
import { transfersQuery, checkpointsQuery, dueCheckpoints, transferStatsQuery } from './queries.js';

export function Casework({ refdata }) {
  const { t } = useI18n();
  const center = refdata.viewer.center;
  return (
    <div class="casework">
      <TransferFigures center={center?.code} />
      {center ? (
        <div class="grid">
          <Transfers direction="OUTGOING" title={t('transfersOutgoing')} />
          <Transfers direction="INCOMING" title={t('transfersIncoming')} />
        </div>
      ) : (
        <div class="grid"><Transfers title={t('transfersAll')} /></div>
      )}
      <div class="grid">
        {center ? <Checkpoints /> : (
          <section class="card wide"><h2>{t('checkpointsDue')}</h2><p class="muted">{t('checkpointsCentersOnly')}</p></section>
        )}
      </div>
    </div>
  );
}

// TransferFigures: the center's (or, for operators, the exchange's) transfers counted,
// the overdue ones, and the median working days to sending and to acceptance.
function TransferFigures({ center }) {
  const { t, num, dec } = useI18n();
  const q = useQuery(transferStatsQuery, { c: center || null }, [center]);
  const s = q.data?.stats.benefitTransfers;
  const kpi = (key, value, shown) => (
    <div><dt>{t(key)}</dt><dd data-kpi={key} data-value={value ?? ''}>{shown}</dd></div>
  );
  return (
    <section class="card" aria-labelledby="transfer-figures" data-card="transfer-figures">
      <h2 id="transfer-figures">{t('transferFigures')}</h2>
      {q.error && <ErrorNote error={q.error} />}
      {s && (
        <dl class="kpis">
          {kpi('transfersTotal', s.total, num(s.total))}
          {kpi('transfersOverdue', s.overdue, num(s.overdue))}
          {kpi('medianWorkingDaysToSent', s.medianWorkingDaysToSent, s.medianWorkingDaysToSent == null ? '—' : t('workingDays', { n: dec(s.medianWorkingDaysToSent) }))}
          {kpi('medianWorkingDaysToAccepted', s.medianWorkingDaysToAccepted, s.medianWorkingDaysToAccepted == null ? '—' : t('workingDays', { n: dec(s.medianWorkingDaysToAccepted) }))}
        </dl>
      )}
    </section>
  );
}

function Transfers({ direction, title }) {
  const { t, date, num } = useI18n();
  const q = useQuery(transfersQuery, { f: direction ? { direction } : null }, [direction]);
  const list = q.data?.benefitTransfers.edges.map((e) => e.node) || [];
  const key = direction || 'ALL';
  const other = (tr) => (direction === 'INCOMING' ? tr.fromCenter : direction === 'OUTGOING' ? tr.toCenter : null);
  return (
    <section class="card wide" aria-labelledby={'transfers-' + key} data-card={'transfers-' + key}>
      <div class="card-head">
        <h2 id={'transfers-' + key}>{title}</h2>
        {q.data && <span class="muted" data-count={q.data.benefitTransfers.totalCount}>{t('results', { n: num(q.data.benefitTransfers.totalCount) })}</span>}
      </div>
      {q.loading && <p class="muted">{t('loading')}</p>}
      {q.error && <ErrorNote error={q.error} />}
      {q.data && list.length === 0 && <p class="muted">{t('noTransfers')}</p>}
      {list.length > 0 && (
        <div class="scroll-x">
          <table data-table={'transfers-' + key}>
            <thead><tr>
              <th scope="col">{direction === 'INCOMING' ? t('payingCenter') : direction === 'OUTGOING' ? t('receivingCenter') : `${t('payingCenter')} → ${t('receivingCenter')}`}</th>
              <th scope="col">{t('worker')}</th><th scope="col">{t('status')}</th><th scope="col">{t('requestedOn')}</th>
              <th scope="col">{t('dueBy')}</th><th scope="col" class="num">{t('monthsRemaining')}</th>
            </tr></thead>
            <tbody>
              {list.map((tr) => (
                <tr data-transfer={tr.id} data-status={tr.status} data-overdue={tr.overdue} class={tr.overdue ? 'overdue' : ''}>
                  <td title={other(tr)?.name}>{other(tr) ? other(tr).code : `${tr.fromCenter.code} → ${tr.toCenter.code}`}</td>
                  <td>{tr.worker?.fullName ?? '—'}</td>
                  <td><span class={'badge t-' + tr.status}>{t('t_' + tr.status)}</span></td>
                  <td>{date(tr.requestedOn)}</td>
                  <td data-key="dueBy" data-value={tr.dueBy}>{date(tr.dueBy)}{tr.overdue && <span class="badge overdue-badge">{t('overdue')}</span>}</td>
                  <td class="num">{num(tr.monthsRemaining)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Checkpoints() {
  const { t, date, num, occ } = useI18n();
  const q = useQuery(checkpointsQuery, {}, []);
  const due = q.data ? dueCheckpoints(q.data.referrals.edges.map((e) => e.node)) : [];
  return (
    <section class="card wide" aria-labelledby="checkpoints-title" data-card="checkpoints">
      <div class="card-head">
        <h2 id="checkpoints-title">{t('checkpointsDue')}</h2>
        {q.data && <span class="muted" data-count={due.length}>{t('results', { n: num(due.length) })}</span>}
      </div>
      <p class="muted">{t('checkpointsHelp')}</p>
      {q.loading && <p class="muted">{t('loading')}</p>}
      {q.error && <ErrorNote error={q.error} />}
      {q.data && due.length === 0 && <p class="muted">{t('noCheckpoints')}</p>}
      {due.length > 0 && (
        <div class="scroll-x">
          <table data-table="checkpoints">
            <thead><tr>
              <th scope="col">{t('worker')}</th><th scope="col">{t('direction')}</th><th scope="col">{t('occupation')}</th>
              <th scope="col" class="num">{t('checkpointDay')}</th><th scope="col">{t('dueOn')}</th>
            </tr></thead>
            <tbody>
              {due.map((c) => (
                <tr data-referral={c.referral.id} data-day={c.day}>
                  <td>{c.referral.worker?.fullName ?? '—'}</td>
                  <td>{c.referral.origin.code} → {c.referral.destination.code}</td>
                  <td>{occ(c.referral.occupation)}</td>
                  <td class="num">{t('days', { n: c.day })}</td>
                  <td data-key="dueOn" data-value={c.dueOn}>{date(c.dueOn)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
