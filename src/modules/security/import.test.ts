import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { docxText, unzip } from '../../../test/support/unzip.js';

const sample = (name: string) => readFileSync(new URL(`../../../test/fixtures/security/${name}`, import.meta.url));

interface Row { row: number; verdict: string; title: string | null; severity: string | null; component: string | null; fingerprint: string | null; id: number | null; reason: string | null }
interface Result { format: string; dryRun: boolean; counts: { created: number; updated: number; rejected: number }; rows: Row[] }

describeDb('security: scanner import and the handling report', (backend) => {
  let env: TestEnv;
  let admin: string;
  beforeAll(async () => {
    env = await createTestEnv(backend);
    env.clock.set('2026-12-07T02:00:00Z'); // Monday 10:00 Shanghai
    admin = await loginToken(env.app);
  });
  afterAll(() => env.close());

  const upload = (name: string, bytes: Buffer, query = '') => {
    const boundary = '----zhibo-security-test';
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      bytes, Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return env.app.inject({ method: 'POST', url: `/api/v1/security/vulnerabilities/import${query}`, headers: { ...bearer(admin), 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
  };
  const imported = async (name: string, query = ''): Promise<Result> => {
    const res = await upload(name, sample(name), query);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Result;
  };
  const get = async (id: number) => (await env.app.inject({ url: `/api/v1/security/vulnerabilities/${id}`, headers: bearer(admin) })).json();
  const count = async () => Number((await env.ctx.db.selectFrom('security_vulnerabilities').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('dry-runs an npm audit report: verdicts, nothing written', async () => {
    const r = await imported('npm-audit.json', '?dryRun=true');
    expect(r).toMatchObject({ format: 'npm-audit', dryRun: true, counts: { created: 3, updated: 0, rejected: 0 } });
    expect(r.rows.every((x) => x.id === null)).toBe(true);
    expect(await count()).toBe(0);
  });

  it('imports npm audit: one finding per advisory and package, moderate → medium, deadline as manual creation', async () => {
    const r = await imported('npm-audit.json');
    expect(r.counts).toEqual({ created: 3, updated: 0, rejected: 0 });
    const titles = r.rows.map((x) => [x.title, x.severity]);
    expect(titles).toEqual([
      ['axios: Axios Cross-Site Request Forgery Vulnerability', 'medium'],
      ['axios: axios Requests Vulnerable To Possible SSRF and Credential Leakage via Absolute URL', 'high'],
      ['semver: semver vulnerable to Regular Expression Denial of Service', 'high'],
    ]);
    const ssrf = await get(r.rows[1]!.id!);
    // Found Monday 2026-12-07 10:00 Shanghai; 5 working days → Monday 12-14 17:30.
    expect(ssrf).toMatchObject({ source: 'npm audit', component: 'axios <0.30.0', state: 'found', planWorkingDays: 5, fixPlanDueDate: '2026-12-14', lastSeenAt: '2026-12-07T02:00:00.000Z' });
    expect(ssrf.description).toContain('GHSA-jr5f-v2jv-69x6');
    expect(ssrf.description).toContain('axios@1.8.4');
    const semver = await get(r.rows[2]!.id!);
    expect(semver.description).toContain('make-dir');
  });

  it('updates on a second import instead of duplicating, with lastSeenAt moved on', async () => {
    const before = await count();
    env.clock.set('2026-12-08T02:00:00Z');
    admin = await loginToken(env.app);
    const r = await imported('npm-audit.json');
    expect(r.counts).toEqual({ created: 0, updated: 3, rejected: 0 });
    expect(await count()).toBe(before);
    const v = await get(r.rows[0]!.id!);
    expect(v.lastSeenAt).toBe('2026-12-08T02:00:00.000Z');
    expect(v.foundAt).toBe('2026-12-07T02:00:00.000Z');
    // A severity raised by the scanner re-times the deadline while no plan is in.
    const raised = JSON.parse(sample('npm-audit.json').toString('utf8'));
    raised.vulnerabilities.axios.via[0].severity = 'critical';
    const res = await upload('npm-audit.json', Buffer.from(JSON.stringify(raised)));
    const row = (res.json() as Result).rows[0]!;
    expect(row).toMatchObject({ verdict: 'updated', severity: 'critical' });
    expect(row.reason).toContain('medium → critical');
    expect(await get(row.id!)).toMatchObject({ severity: 'critical', planWorkingDays: 5, fixPlanDueDate: '2026-12-14' });
  });

  it('imports a ZAP report: riskcode 3/2/0 → high/medium/low, a bad riskcode rejected with its reason', async () => {
    const r = await imported('zap-report.json');
    expect(r.format).toBe('zap');
    expect(r.rows.map((x) => [x.verdict, x.severity])).toEqual([['created', 'high'], ['created', 'medium'], ['created', 'low'], ['rejected', null]]);
    expect(r.rows[3]!.reason).toContain('riskcode');
    const xss = await get(r.rows[0]!.id!);
    expect(xss).toMatchObject({ title: 'Cross Site Scripting (Reflected)', component: 'https://park.nantong.example.cn', source: 'OWASP ZAP' });
    expect(xss.description).toContain('GET https://park.nantong.example.cn/h5/search?q=%3Cscript%3E [q]');
    expect((await imported('zap-report.json')).counts).toEqual({ created: 0, updated: 3, rejected: 1 });
  });

  it('imports Trivy JSON: severities mapped, UNKNOWN rejected, found at the scan time', async () => {
    const r = await imported('trivy.json');
    expect(r.format).toBe('trivy');
    expect(r.rows.map((x) => [x.verdict, x.severity])).toEqual([['created', 'critical'], ['created', 'medium'], ['rejected', null], ['created', 'high']]);
    const ssl = await get(r.rows[0]!.id!);
    expect(ssl).toMatchObject({ title: 'libssl3: CVE-2024-5535 openssl: SSL_select_next_proto buffer overread', foundAt: '2026-12-07T01:30:12.345Z', source: 'Trivy' });
    expect(ssl.component).toContain('libssl3 3.0.13-1~deb12u1');
    expect(ssl.description).toContain('3.0.14-1~deb12u1');
  });

  it('imports a generic CSV with Chinese severities, rejecting bad rows with reasons; found at honoured', async () => {
    const r = await imported('findings.csv');
    expect(r.format).toBe('csv');
    expect(r.rows.map((x) => x.verdict)).toEqual(['created', 'created', 'rejected', 'rejected', 'rejected']);
    expect(r.rows[2]!.reason).toContain('title');
    expect(r.rows[3]!.reason).toContain('urgent');
    expect(r.rows[4]!.reason).toContain('2026-13-40');
    const weak = await get(r.rows[0]!.id!);
    // Found Tuesday 12-01 10:20; 5 working days → Tuesday 12-08.
    expect(weak).toMatchObject({ severity: 'high', source: '等保测评', component: '运营门户 /login', foundAt: '2026-12-01T02:20:00.000Z', fixPlanDueDate: '2026-12-08' });
    expect((await imported('findings.csv')).counts).toEqual({ created: 0, updated: 2, rejected: 3 });
  });

  it('answers 400 with a code for a file it cannot read', async () => {
    const cases: [string, string, string][] = [
      ['empty.json', '', 'EMPTY_FILE'],
      ['broken.json', '{"vulnerabilities": {', 'INVALID_SCAN_FILE'],
      ['other.json', '{"hello": "world"}', 'UNKNOWN_SCAN_FORMAT'],
      ['notes.csv', 'name,value\na,b\n', 'UNKNOWN_SCAN_FORMAT'],
    ];
    for (const [name, body, code] of cases) {
      const res = await upload(name, Buffer.from(body));
      expect(res.statusCode, name).toBe(400);
      expect(res.json().error.code, name).toBe(code);
    }
    const plain = await env.app.inject({ method: 'POST', url: '/api/v1/security/vulnerabilities/import', headers: bearer(admin), payload: { x: 1 } });
    expect(plain.statusCode).toBe(400);
    expect(plain.json().error.code).toBe('INVALID_FILE');
  });

  it('writes 《安全漏洞处置报告》 .docx for a period: counts by severity and state, the overdue list, plan and fix dates', async () => {
    env.clock.set('2026-12-15T02:00:00Z');
    admin = await loginToken(env.app);
    const weak = (await env.app.inject({ url: '/api/v1/security/vulnerabilities?q=%E5%BC%B1%E5%8F%A3%E4%BB%A4', headers: bearer(admin) })).json().items[0];
    const plan = await env.app.inject({ method: 'POST', url: `/api/v1/security/vulnerabilities/${weak.id}/transition`, headers: bearer(admin), payload: { to: 'plan_submitted', planText: '停用弱口令账号并启用双因素', plannedFixDate: '2026-12-20' } });
    expect(plan.statusCode).toBe(200);
    const res = await env.app.inject({ url: '/api/v1/security/vulnerabilities/report?from=2026-12-01&to=2026-12-08&format=docx', headers: bearer(admin) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('wordprocessingml');
    expect(res.headers['content-disposition']).toContain(encodeURIComponent('安全漏洞处置报告-2026-12-01-2026-12-08.docx'));
    const lines = docxText(unzip(res.rawPayload).get('word/document.xml')!.toString('utf8')).split('\n');
    expect(lines[0]).toBe('安全漏洞处置报告');
    expect(lines[1]).toContain('统计期间 2026-12-01 至 2026-12-08');
    expect(lines.find((l) => l.startsWith('期内涉及'))).toBe('期内涉及漏洞 11 个（期内新发现 11 个，期内处置结束 0 个）；超期或修复计划逾期 6 个。状态为报告生成时的状态。');
    // The counts table: header, then 严重 … 合计 rows (state columns in lifecycle order, total last).
    const head = lines.indexOf('等级');
    expect(lines.slice(head, head + 9)).toEqual(['等级', '已发现', '已提交修复计划', '修复中', '已修复', '已验证', '接受风险', '误报', '合计']);
    const totalRow = lines.indexOf('合计', head + 9);
    expect(lines.slice(totalRow, totalRow + 9)).toEqual(['合计', '10', '1', '0', '0', '0', '0', '0', '11']);
    const sevRow = (name: string) => lines.slice(lines.indexOf(name, head + 9), lines.indexOf(name, head + 9) + 9);
    expect(sevRow('严重')).toEqual(['严重', '2', '0', '0', '0', '0', '0', '0', '2']);
    expect(sevRow('高危')).toEqual(['高危', '4', '1', '0', '0', '0', '0', '0', '5']);
    const overdue = lines.slice(lines.indexOf('三、超期情况'), lines.indexOf('四、漏洞处置明细'));
    expect(overdue).toContain('门户登录接口存在弱口令账号');
    expect(overdue.find((l) => l.startsWith('修复计划逾期提交'))).toBe('修复计划逾期提交（2026-12-15 10:00:00，时限 2026-12-08 17:30:00）');
    expect(overdue.filter((l) => l.startsWith('超期未提交修复计划'))).toHaveLength(5);
    const detail = lines.slice(lines.indexOf('四、漏洞处置明细'));
    const at = detail.indexOf('门户登录接口存在弱口令账号');
    expect(detail.slice(at, at + 10)).toEqual(['门户登录接口存在弱口令账号', '高危', '运营门户 /login', '已提交修复计划', '2026-12-01 10:20:00', '2026-12-08 17:30:00', '2026-12-15 10:00:00', '2026-12-20', ' ', ' ']);
    // A period before anything was found is an empty report; a bad period is 400.
    const empty = await env.app.inject({ url: '/api/v1/security/vulnerabilities/report?from=2026-01-01&to=2026-01-31&format=docx', headers: bearer(admin) });
    expect(docxText(unzip(empty.rawPayload).get('word/document.xml')!.toString('utf8'))).toContain('期内涉及漏洞 0 个');
    for (const q of ['from=2026-12-08&to=2026-12-01', 'from=2026-12&to=2026-12-08', 'from=2024-01-01&to=2026-12-08']) {
      const bad = await env.app.inject({ url: `/api/v1/security/vulnerabilities/report?${q}&format=docx`, headers: bearer(admin) });
      expect(bad.statusCode, q).toBe(400);
      expect(bad.json().error.code, q).toBe('INVALID_PERIOD');
    }
  });
});
