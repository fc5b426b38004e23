// Vietnamese first, English second; numbers, money and dates in the chosen locale.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

const vi = {
  appName: 'Sàn giao dịch cung ứng lao động liên tỉnh',
  overview: 'Tổng quan', market: 'Thị trường', agreements: 'Thỏa thuận', graphiql: 'GraphiQL',
  signIn: 'Đăng nhập', signOut: 'Đăng xuất', language: 'Ngôn ngữ',
  tokenLabel: 'Mã truy cập (JWT) của trung tâm',
  tokenHelp: 'Dán mã do hệ thống của trung tâm cấp (hoặc do `laborx token mint` in ra). Mã được giữ trong trình duyệt này và gửi kèm mọi yêu cầu.',
  useToken: 'Đăng nhập bằng mã này',
  demoTitle: 'Đăng nhập như một trung tâm mẫu',
  demoHelp: 'Máy chủ đang chạy với --demo: chọn một trung tâm để nhận mã mẫu có hiệu lực 15 phút.',
  demoAs: 'Vào với vai trò {code}',
  signedInAs: 'Đăng nhập: {subject} · {center}', roles: 'Vai trò',
  invalidToken: 'Mã không hợp lệ hoặc đã hết hạn: {msg}',
  filters: 'Bộ lọc', from: 'Từ ngày', to: 'Đến ngày', province: 'Tỉnh/thành', center: 'Trung tâm',
  allProvinces: 'Tất cả tỉnh/thành', allCenters: 'Toàn sàn', apply: 'Áp dụng',
  loading: 'Đang tải…', error: 'Lỗi: {msg}', noData: 'Không có số liệu cho bộ lọc này.',
  table: 'Bảng số liệu', downloadCSV: 'Tải CSV',
  balanceByOccupation: 'Cân đối cung – cầu theo nhóm nghề',
  balanceByProvince: 'Thiếu hụt (+) / dư thừa (−) lao động theo tỉnh',
  demandPositions: 'Chỗ làm còn trống', supplyWorkers: 'Lao động sẵn sàng', shortage: 'Thiếu hụt',
  occupation: 'Nghề', flows: 'Luồng giới thiệu lao động giữa các tỉnh',
  originProvince: 'Tỉnh đi', destinationProvince: 'Tỉnh đến', total: 'Tổng', hired: 'Đã tuyển',
  funnel: 'Phễu giới thiệu', stage: 'Giai đoạn', count: 'Số lượng', rate: 'Tỉ lệ chuyển',
  referred: 'Đã giới thiệu', acknowledged: 'Đã tiếp nhận', interviewed: 'Đã phỏng vấn', employed: 'Đã xác nhận làm việc',
  medianDaysToHire: 'Trung vị số ngày đến khi tuyển', overallHireRate: 'Tỉ lệ tuyển chung',
  days: '{n} ngày',
  fulfillment: 'Thực hiện chỉ tiêu theo thỏa thuận', quota: 'Chỉ tiêu', agreement: 'Thỏa thuận', direction: 'Chiều',
  monthly: 'Xu hướng theo tháng', month: 'Tháng',
  m_REFERRALS: 'Lượt giới thiệu', m_HIRES: 'Lượt tuyển', m_DEMAND_POSITIONS_PUBLISHED: 'Chỗ làm đăng mới',
  m_SUPPLY_WORKERS_PUBLISHED: 'Lao động đăng mới', m_EMPLOYMENTS_CONFIRMED: 'Xác nhận làm việc',
  demand: 'Nhu cầu tuyển', supply: 'Nguồn cung', search: 'Tìm kiếm',
  occupationPrefix: 'Mã nghề (tiền tố, ví dụ 72 hoặc 8153)', text: 'Từ khóa (không cần dấu)',
  status: 'Trạng thái', any: 'Tất cả', results: '{n} kết quả', showMore: 'Xem thêm',
  dissolved: '{name} (đã nhập vào {successor})',
  positions: 'Chỗ trống', wage: 'Lương (VNĐ/tháng)', employer: 'Doanh nghiệp', workProvince: 'Nơi làm việc',
  expiresAt: 'Hết hạn', availableFrom: 'Sẵn sàng từ', destinations: 'Tỉnh chấp nhận', anyProvince: 'Mọi tỉnh',
  matches: 'Kết quả ghép nối', score: 'Điểm', reasons: 'Lý do', detail: 'Chi tiết', close: 'Đóng',
  noMatches: 'Chưa có kết quả ghép nối.',
  r_OCCUPATION_EXACT: 'Đúng nghề', r_OCCUPATION_MINOR_GROUP: 'Cùng nhóm nghề nhỏ', r_OCCUPATION_SUB_MAJOR_GROUP: 'Cùng nhóm nghề',
  r_DESTINATION_ACCEPTED: 'Chấp nhận nơi làm việc', r_WAGE_MEETS_EXPECTATION: 'Lương đạt mong muốn',
  r_DATES_OVERLAP: 'Thời gian phù hợp', r_AGREEMENT_COVERS: 'Có thỏa thuận hợp tác',
  parties: 'Các bên', revision: 'Phiên bản', revisions: 'So sánh phiên bản', signatures: 'Chữ ký',
  signer: 'Người ký', termsHash: 'Mã băm điều khoản', signedAt: 'Ký lúc', comments: 'Ý kiến',
  validity: 'Hiệu lực', supportPolicy: 'Chính sách hỗ trợ', notes: 'Ghi chú', responsibilities: 'Trách nhiệm',
  quotas: 'Chỉ tiêu', workers: 'người', changed: 'đã thay đổi',
  signRevision: 'Ký phiên bản {n}', comment: 'Gửi ý kiến', reject: 'Từ chối', rejectReason: 'Lý do từ chối',
  commentText: 'Nội dung ý kiến', done: 'Đã thực hiện.', noAgreements: 'Chưa có thỏa thuận nào.',
  compare: 'So sánh', proposedBy: 'Đề xuất bởi',
  s_PROPOSED: 'Đề xuất', s_NEGOTIATING: 'Đang đàm phán', s_SIGNED: 'Đã ký', s_REJECTED: 'Bị từ chối',
  s_WITHDRAWN: 'Đã rút', s_TERMINATED: 'Đã chấm dứt',
  d_OPEN: 'Đang mở', d_FILLED: 'Đã đủ', d_CLOSED: 'Đã đóng', d_EXPIRED: 'Hết hạn', d_EXHAUSTED: 'Đã hết',
  casework: 'Hồ sơ cần xử lý',
  transfersOutgoing: 'Chuyển hưởng trợ cấp thất nghiệp đi', transfersIncoming: 'Chuyển hưởng trợ cấp thất nghiệp đến',
  transfersAll: 'Chuyển hưởng trợ cấp thất nghiệp', noTransfers: 'Không có hồ sơ chuyển hưởng.',
  payingCenter: 'Trung tâm chuyển', receivingCenter: 'Trung tâm nhận', worker: 'Người lao động',
  requestedOn: 'Ngày đề nghị', dueBy: 'Hạn xử lý', overdue: 'quá hạn', monthsRemaining: 'Số tháng còn lại',
  t_REQUESTED: 'Đã đề nghị', t_NOTIFIED: 'Đã báo dừng chi', t_SENT: 'Đã gửi hồ sơ', t_RECEIVED: 'Đã nhận hồ sơ',
  t_ACCEPTED: 'Đã tiếp nhận chi trả', t_RETURNED: 'Bị trả lại', t_CANCELLED: 'Đã hủy',
  checkpointsDue: 'Mốc theo dõi duy trì việc làm đến hạn',
  checkpointsHelp: 'Người lao động đã được tuyển: xác nhận còn làm việc ở mốc 30, 90, 180 ngày.',
  checkpointsCentersOnly: 'Chỉ các trung tâm theo dõi mốc của người lao động mình giới thiệu hoặc tiếp nhận.',
  noCheckpoints: 'Không có mốc nào đến hạn.', checkpointDay: 'Mốc', dueOn: 'Đến hạn',
  transferFigures: 'Chuyển hưởng: số liệu', transfersTotal: 'Tổng số hồ sơ', transfersOverdue: 'Quá hạn',
  medianWorkingDaysToSent: 'Trung vị ngày làm việc đến khi gửi hồ sơ', medianWorkingDaysToAccepted: 'Trung vị ngày làm việc đến khi tiếp nhận',
  workingDays: '{n} ngày làm việc',
};

const en = {
  appName: 'Inter-provincial labor supply exchange',
  overview: 'Overview', market: 'Market', agreements: 'Agreements', graphiql: 'GraphiQL',
  signIn: 'Sign in', signOut: 'Sign out', language: 'Language',
  tokenLabel: "Your center's access token (JWT)",
  tokenHelp: "Paste a token issued by your center's system (or printed by `laborx token mint`). It is kept in this browser and sent with every request.",
  useToken: 'Sign in with this token',
  demoTitle: 'Sign in as a demo center',
  demoHelp: 'The server runs with --demo: pick a center to get a demo token valid for 15 minutes.',
  demoAs: 'Enter as {code}',
  signedInAs: 'Signed in: {subject} · {center}', roles: 'Roles',
  invalidToken: 'The token is invalid or expired: {msg}',
  filters: 'Filters', from: 'From', to: 'To', province: 'Province', center: 'Center',
  allProvinces: 'All provinces', allCenters: 'Whole exchange', apply: 'Apply',
  loading: 'Loading…', error: 'Error: {msg}', noData: 'No figures for this filter.',
  table: 'Data table', downloadCSV: 'Download CSV',
  balanceByOccupation: 'Demand and supply by occupation group',
  balanceByProvince: 'Shortage (+) / surplus (−) of workers by province',
  demandPositions: 'Open positions', supplyWorkers: 'Available workers', shortage: 'Shortage',
  occupation: 'Occupation', flows: 'Referrals between provinces',
  originProvince: 'From province', destinationProvince: 'To province', total: 'Total', hired: 'Hired',
  funnel: 'Referral funnel', stage: 'Stage', count: 'Count', rate: 'Conversion',
  referred: 'Referred', acknowledged: 'Acknowledged', interviewed: 'Interviewed', employed: 'Employment confirmed',
  medianDaysToHire: 'Median days to hire', overallHireRate: 'Overall hire rate',
  days: '{n} days',
  fulfillment: 'Agreement fulfilment by quota line', quota: 'Quota', agreement: 'Agreement', direction: 'Direction',
  monthly: 'Monthly trends', month: 'Month',
  m_REFERRALS: 'Referrals', m_HIRES: 'Hires', m_DEMAND_POSITIONS_PUBLISHED: 'Positions published',
  m_SUPPLY_WORKERS_PUBLISHED: 'Workers published', m_EMPLOYMENTS_CONFIRMED: 'Employments confirmed',
  demand: 'Demand', supply: 'Supply', search: 'Search',
  occupationPrefix: 'Occupation code (prefix, e.g. 72 or 8153)', text: 'Keywords (diacritics optional)',
  status: 'Status', any: 'Any', results: '{n} results', showMore: 'Show more',
  dissolved: '{name} (merged into {successor})',
  positions: 'Open', wage: 'Wage (VND/month)', employer: 'Employer', workProvince: 'Work province',
  expiresAt: 'Expires', availableFrom: 'Available from', destinations: 'Accepted provinces', anyProvince: 'Any province',
  matches: 'Matches', score: 'Score', reasons: 'Reasons', detail: 'Detail', close: 'Close',
  noMatches: 'No matches yet.',
  r_OCCUPATION_EXACT: 'Same occupation', r_OCCUPATION_MINOR_GROUP: 'Same minor group', r_OCCUPATION_SUB_MAJOR_GROUP: 'Same sub-major group',
  r_DESTINATION_ACCEPTED: 'Destination accepted', r_WAGE_MEETS_EXPECTATION: 'Wage meets expectation',
  r_DATES_OVERLAP: 'Dates overlap', r_AGREEMENT_COVERS: 'Covered by an agreement',
  parties: 'Parties', revision: 'Revision', revisions: 'Compare revisions', signatures: 'Signatures',
  signer: 'Signer', termsHash: 'Terms hash', signedAt: 'Signed at', comments: 'Comments',
  validity: 'Validity', supportPolicy: 'Support policy', notes: 'Notes', responsibilities: 'Responsibilities',
  quotas: 'Quotas', workers: 'workers', changed: 'changed',
  signRevision: 'Sign revision {n}', comment: 'Comment', reject: 'Reject', rejectReason: 'Reason for rejecting',
  commentText: 'Comment', done: 'Done.', noAgreements: 'No agreements yet.',
  compare: 'Compare', proposedBy: 'Proposed by',
  s_PROPOSED: 'Proposed', s_NEGOTIATING: 'Negotiating', s_SIGNED: 'Signed', s_REJECTED: 'Rejected',
  s_WITHDRAWN: 'Withdrawn', s_TERMINATED: 'Terminated',
  d_OPEN: 'Open', d_FILLED: 'Filled', d_CLOSED: 'Closed', d_EXPIRED: 'Expired', d_EXHAUSTED: 'Exhausted',
  casework: 'Casework',
  transfersOutgoing: 'Outgoing unemployment-benefit transfers', transfersIncoming: 'Incoming unemployment-benefit transfers',
  transfersAll: 'Unemployment-benefit transfers', noTransfers: 'No benefit transfers.',
  payingCenter: 'Paying center', receivingCenter: 'Receiving center', worker: 'Worker',
  requestedOn: 'Requested on', dueBy: 'Due by', overdue: 'overdue', monthsRemaining: 'Months remaining',
  t_REQUESTED: 'Requested', t_NOTIFIED: 'Stop-payment notified', t_SENT: 'Dossier sent', t_RECEIVED: 'Dossier received',
  t_ACCEPTED: 'Accepted', t_RETURNED: 'Returned', t_CANCELLED: 'Cancelled',
  checkpointsDue: 'Retention checkpoints due',
  checkpointsHelp: 'Hired workers: confirm they are still in work at 30, 90 and 180 days.',
  checkpointsCentersOnly: "Only centers follow up the checkpoints of the workers they referred or received.",
  noCheckpoints: 'No checkpoint is due.', checkpointDay: 'Checkpoint', dueOn: 'Due on',
  transferFigures: 'Benefit transfers in figures', transfersTotal: 'Transfers', transfersOverdue: 'Overdue',
  medianWorkingDaysToSent: 'Median working days to sending', medianWorkingDaysToAccepted: 'Median working days to acceptance',
  workingDays: '{n} working days',
};

const dicts = { vi, en };
export const LANG_KEY = 'laborx.lang';

export function initialLang() {
  const l = localStorage.getItem(LANG_KEY);
  return l === 'en' ? 'en' : 'vi';
}

// makeI18n returns the translation helpers of one language.
export function makeI18n(lang) {
  const dict = dicts[lang];
  const locale = lang === 'vi' ? 'vi-VN' : 'en-GB';
  const num = new Intl.NumberFormat(locale);
  const pct = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const dec = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  const vnd = new Intl.NumberFormat(locale, { style: 'currency', currency: 'VND', maximumFractionDigits: 0 });
  const date = new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: 'UTC' });
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const month = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', timeZone: 'UTC' });
  const t = (key, vars) => {
    let s = dict[key] ?? vi[key] ?? key;
    if (vars) for (const [k, v] of Object.entries(vars)) s = s.replace('{' + k + '}', v);
    return s;
  };
  return {
    lang, locale, t,
    num: (n) => (n == null ? '—' : num.format(n)),
    dec: (n) => (n == null ? '—' : dec.format(n)),
    pct: (n) => (n == null ? '—' : pct.format(n)),
    vnd: (n) => (n == null ? '—' : vnd.format(Number(n))),
    date: (s) => (s ? date.format(new Date(s.length === 10 ? s + 'T00:00:00Z' : s)) : '—'),
    dateTime: (s) => (s ? dateTime.format(new Date(s)) : '—'),
    month: (ym) => month.format(new Date(ym + '-01T00:00:00Z')),
    occ: (o) => (o ? `${o.code} ${lang === 'vi' ? o.titleVi || o.titleEn : o.titleEn}` : '—'),
  };
}

export const I18n = createContext(makeI18n('vi'));
export const useI18n = () => useContext(I18n);
