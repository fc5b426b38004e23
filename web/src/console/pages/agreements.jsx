// Agreements: the list, a side-by-side comparison of two revisions with what changed,
// the signatures with their terms hashes, and the sign / comment / reject actions.
import { useEffect, useState } from 'preact/hooks';
import { gql } from '../api.js';
import { useI18n } from '../i18n.js';
import { ErrorNote, UserErrors } from '../util.jsx';

const LIST = `query AgreementList { agreements(first: 50) { totalCount edges { node {
  id title status validFrom validUntil isActive parties { code } currentRevision { number } } } } }`;

const TERMS = `validFrom validUntil supportPolicy notes responsibilities { centerCode text }
  quotas { occupationCode occupation { code titleVi titleEn } workers fromCenterCode toCenterCode }`;
const DETAIL = `query AgreementDetail($id: ID!) { node(id: $id) { ... on Agreement {
  id title status version isActive statusReason proposer { code } parties { code name }
  currentRevision { number }
  revisions { number termsHash note createdAt proposedBy { code } proposedBySubject terms { ${TERMS} } }
  signatures { center { code } signerSubject revision termsHash signedAt }
  comments { center { code } authorSubject revision text createdAt } } } }`;

const MUTATIONS = {
  sign: `mutation Sign($input: SignAgreementInput!) { signAgreement(input: $input) { agreement { id status } userErrors { field message code } } }`,
  comment: `mutation Comment($input: CommentOnAgreementInput!) { commentOnAgreement(input: $input) { agreement { id } userErrors { field message code } } }`,
  reject: `mutation Reject($input: RejectAgreementInput!) { rejectAgreement(input: $input) { agreement { id status } userErrors { field message code } } }`,
};

export function Agreements({ refdata }) {
  // Signing and rejecting are for coordinators (DESIGN §2); anyone of a party may comment.
  const coordinator = refdata.viewer.roles.includes('COORDINATOR');
  const { t } = useI18n();
  const [list, setList] = useState({});
  const [selected, setSelected] = useState(null);
  const load = () => gql(LIST).then((d) => setList({ data: d }), (e) => setList({ error: e }));
  useEffect(() => { load(); }, []);
  const nodes = list.data?.agreements.edges.map((e) => e.node) || [];
  return (
    <div class="split agreements">
      <section class="card" aria-labelledby="agreements-title">
        <h2 id="agreements-title">{t('agreements')}</h2>
        {list.error && <ErrorNote error={list.error} />}
        {list.data && nodes.length === 0 && <p class="muted">{t('noAgreements')}</p>}
        <ul class="postings">
          {nodes.map((a) => (
            <li>
              <button type="button" class={'posting' + (selected === a.id ? ' active' : '')} onClick={() => setSelected(a.id)} data-agreement={a.id}>
                <strong class="title">{a.title}</strong>
                <span class="meta"><StatusBadge status={a.status} /> {a.parties.map((p) => p.code).join(' · ')} · {t('revision')} {a.currentRevision.number}</span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      {selected && <AgreementDetail id={selected} onChanged={load} coordinator={coordinator} />}
    </div>
  );
}

function StatusBadge({ status }) {
  const { t } = useI18n();
  return <span class={'badge s-' + status} data-status={status}>{t('s_' + status)}</span>;
}

function AgreementDetail({ id, onChanged, coordinator }) {
  const i = useI18n();
  const { t, dateTime } = i;
  const [state, setState] = useState({});
  const [pair, setPair] = useState(null);
  const [outcome, setOutcome] = useState(null);
  const [text, setText] = useState('');
  const load = () => gql(DETAIL, { id }).then((d) => setState({ data: d }), (e) => setState({ error: e }));
  useEffect(() => { setState({}); setPair(null); setOutcome(null); load(); }, [id]);
  const a = state.data?.node;
  useEffect(() => {
    if (a && !pair) {
      const cur = a.currentRevision.number;
      setPair([Math.max(1, cur - 1), cur]);
    }
  }, [a]);

  const act = async (kind, input) => {
    setOutcome(null);
    try {
      const d = await gql(MUTATIONS[kind], { input: { agreementId: id, ...input } });
      const payload = Object.values(d)[0];
      setOutcome({ userErrors: payload.userErrors, ok: payload.userErrors.length === 0 });
      if (payload.userErrors.length === 0) setText('');
      await load();
      onChanged();
    } catch (e) {
      setOutcome({ error: e });
    }
  };

  if (state.error) return <section class="card"><ErrorNote error={state.error} /></section>;
  if (!a || !pair) return <section class="card"><p class="muted">{t('loading')}</p></section>;
  const rev = (n) => a.revisions.find((r) => r.number === n);
  const [left, right] = [rev(pair[0]), rev(pair[1])];
  const open = coordinator && (a.status === 'PROPOSED' || a.status === 'NEGOTIATING');
  return (
    <section class="card detail" aria-labelledby="agreement-title" data-agreement-detail={id}>
      <h2 id="agreement-title">{a.title}</h2>
      <p class="meta"><StatusBadge status={a.status} /> {t('parties')}: {a.parties.map((p) => `${p.code} (${p.name})`).join(', ')}</p>
      {a.statusReason && <p class="muted">{a.statusReason}</p>}

      <h3>{t('revisions')}</h3>
      <div class="rev-pick">
        {[0, 1].map((k) => (
          <label>{t('revision')}
            <select value={pair[k]} onChange={(e) => setPair(k === 0 ? [Number(e.target.value), pair[1]] : [pair[0], Number(e.target.value)])}>
              {a.revisions.map((r) => <option value={r.number}>{r.number}</option>)}
            </select>
          </label>
        ))}
      </div>
      <RevisionCompare left={left} right={right} i={i} />

      <h3>{t('signatures')}</h3>
      <div class="scroll-x">
        <table data-table="signatures">
          <thead><tr><th scope="col">{t('center')}</th><th scope="col">{t('signer')}</th><th scope="col">{t('revision')}</th>
            <th scope="col">{t('termsHash')}</th><th scope="col">{t('signedAt')}</th></tr></thead>
          <tbody>
            {a.signatures.map((s) => (
              <tr><td>{s.center.code}</td><td>{s.signerSubject}</td><td class="num">{s.revision}</td>
                <td><code class="hash" title={s.termsHash}>{s.termsHash.slice(0, 16)}…</code></td><td>{dateTime(s.signedAt)}</td></tr>
            ))}
          </tbody>
        </table>
      </div>

      {a.comments.length > 0 && (
        <>
          <h3>{t('comments')}</h3>
          <ul class="comments">
            {a.comments.map((c) => <li><b>{c.center.code}</b> · {c.authorSubject} · {t('revision')} {c.revision} · {dateTime(c.createdAt)}<br />{c.text}</li>)}
          </ul>
        </>
      )}

      <div class="actions">
        {open && (
          <button type="button" class="btn primary" data-action="sign"
            onClick={() => act('sign', { revision: a.currentRevision.number })}>{t('signRevision', { n: a.currentRevision.number })}</button>
        )}
        <label class="grow">{t('commentText')} / {t('rejectReason')}
          <textarea rows="2" value={text} onInput={(e) => setText(e.target.value)} name="agreement-text" />
        </label>
        <button type="button" class="btn" data-action="comment" onClick={() => act('comment', { text })}>{t('comment')}</button>
        {open && <button type="button" class="btn danger" data-action="reject" onClick={() => act('reject', { reason: text, expectedVersion: a.version })}>{t('reject')}</button>}
      </div>
      {outcome?.error && <ErrorNote error={outcome.error} />}
      {outcome?.userErrors && <UserErrors errors={outcome.userErrors} />}
      {outcome?.ok && <p class="ok" role="status">{t('done')}</p>}
    </section>
  );
}

// termRows flattens a revision's terms into labelled rows, so two revisions line up.
function termRows(r, i) {
  const { t, date, num, occ } = i;
  const rows = [
    [t('validity'), `${date(r.terms.validFrom)} – ${date(r.terms.validUntil)}`],
    ...r.terms.quotas.map((q) => [`${t('quotas')} ${q.occupationCode} ${q.fromCenterCode}→${q.toCenterCode}`, `${num(q.workers)} ${t('workers')} · ${occ(q.occupation)}`]),
    ...r.terms.responsibilities.map((x) => [`${t('responsibilities')} ${x.centerCode}`, x.text]),
    [t('supportPolicy'), r.terms.supportPolicy || '—'],
    [t('notes'), r.terms.notes || '—'],
  ];
  return rows;
}

function RevisionCompare({ left, right, i }) {
  const { t } = i;
  const l = new Map(termRows(left, i));
  const r = new Map(termRows(right, i));
  const labels = [...new Set([...l.keys(), ...r.keys()])];
  return (
    <div class="scroll-x">
      <table class="compare" data-table="revisions">
        <thead>
          <tr><th scope="col"></th>
            {[left, right].map((x) => (
              <th scope="col">{t('revision')} {x.number} · {t('proposedBy')} {x.proposedBy.code}<br />
                <code class="hash" title={x.termsHash}>{x.termsHash.slice(0, 16)}…</code>{x.note ? <><br /><i>{x.note}</i></> : null}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((k) => {
            const changed = l.get(k) !== r.get(k);
            return (
              <tr class={changed ? 'changed' : ''} data-changed={changed}>
                <th scope="row">{k}{changed && <span class="badge changed-badge">{t('changed')}</span>}</th>
                <td>{l.get(k) ?? '—'}</td><td>{r.get(k) ?? '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
