import { createHash } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import { badRequest } from '../../platform/errors.js';
import { parseBusinessTime, shanghaiDayStart } from '../../platform/time.js';
import type { Severity } from './deadlines.js';

/*
 * Scanner reports → findings (docs/security-operations.md, "Importing scanner findings"). Pure:
 * bytes in, one entry per finding (or a rejected row with its reason) out; the register decides
 * created / updated. The format is told from the content, never from the file name:
 * - npm audit --json (npm 7+): `auditReportVersion` 2 / a `vulnerabilities` object. One finding per
 *   advisory (an object in a package's `via`) and package; packages that are vulnerable only
 *   through another package (`via` all strings) are that advisory's effects, not findings.
 * - OWASP ZAP JSON report: `site[].alerts[]`, riskcode 3/2/1/0 → high/medium/low/low (info).
 * - Trivy JSON: `Results[].Vulnerabilities[]`; UNKNOWN severity is rejected.
 * - CSV with a header row: title, severity, component, found at, source (Chinese headers too).
 * The fingerprint is sha256 of kind + rule + component (+ the scan target for ZAP and Trivy): the
 * same finding in a later report has the same fingerprint.
 */

export type ScanKind = 'npm-audit' | 'zap' | 'trivy' | 'csv';

export interface ParsedFinding {
  row: number;
  kind: ScanKind;
  fingerprint: string;
  rule: string;
  title: string;
  severity: Severity;
  component: string | null;
  source: string;
  description: string | null;
  /** null: the time of the import. */
  foundAt: Date | null;
}

export interface RejectedRow {
  row: number;
  title: string | null;
  reason: string;
}

export interface ParsedReport {
  kind: ScanKind;
  findings: ParsedFinding[];
  rejected: RejectedRow[];
}

export const fingerprintOf = (kind: ScanKind, rule: string, component: string) =>
  createHash('sha256').update(`${kind}\u0000${rule}\u0000${component}`).digest('hex');

const invalid = (msg: string) => badRequest('INVALID_SCAN_FILE', msg);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : null);
const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const NPM_SEVERITY: Record<string, Severity> = { critical: 'critical', high: 'high', moderate: 'medium', medium: 'medium', low: 'low', info: 'low' };
const ZAP_SEVERITY: Record<string, Severity> = { 3: 'high', 2: 'medium', 1: 'low', 0: 'low' };
const TRIVY_SEVERITY: Record<string, Severity> = { CRITICAL: 'critical', HIGH: 'high', MEDIUM: 'medium', LOW: 'low' };
const CSV_SEVERITY: Record<string, Severity> = {
  critical: 'critical', high: 'high', medium: 'medium', moderate: 'medium', low: 'low',
  严重: 'critical', 高危: 'high', 高: 'high', 中危: 'medium', 中: 'medium', 低危: 'low', 低: 'low',
};

export function detectAndParse(bytes: Buffer): ParsedReport {
  let textBody = bytes.toString('utf8');
  if (textBody.charCodeAt(0) === 0xfeff) textBody = textBody.slice(1);
  if (!textBody.trim()) throw badRequest('EMPTY_FILE', '文件为空 / the file is empty');
  const head = textBody.trimStart()[0];
  if (head === '{' || head === '[') {
    let doc: unknown;
    try {
      doc = JSON.parse(textBody);
    } catch {
      throw invalid('JSON 无法解析 / the JSON does not parse');
    }
    if (isObj(doc) && isObj(doc.vulnerabilities)) return parseNpmAudit(doc);
    if (isObj(doc) && Array.isArray(doc.site)) return parseZap(doc);
    if (isObj(doc) && (Array.isArray(doc.Results) || doc.SchemaVersion !== undefined)) return parseTrivy(doc);
    throw badRequest('UNKNOWN_SCAN_FORMAT', '无法识别的 JSON 报告（支持 npm audit --json、OWASP ZAP JSON、Trivy JSON） / not an npm audit, ZAP or Trivy JSON report');
  }
  return parseGenericCsv(textBody);
}

function parseNpmAudit(doc: Record<string, unknown>): ParsedReport {
  const findings: ParsedFinding[] = [];
  const rejected: RejectedRow[] = [];
  const vulns = doc.vulnerabilities as Record<string, unknown>;
  let row = 0;
  for (const [pkg, entry] of Object.entries(vulns)) {
    if (!isObj(entry) || !Array.isArray(entry.via)) continue;
    const fix = entry.fixAvailable;
    const fixText = fix === true ? '可修复（npm audit fix） / fix available'
      : isObj(fix) ? `修复：升级 ${str(fix.name) ?? pkg}@${str(fix.version) ?? '?'}${fix.isSemVerMajor ? '（主版本升级）' : ''} / fix: ${str(fix.name) ?? pkg}@${str(fix.version) ?? '?'}`
        : '暂无修复版本 / no fix available';
    const effects = Array.isArray(entry.effects) && entry.effects.length ? `受影响的依赖：${entry.effects.join(', ')}` : null;
    for (const via of entry.via) {
      if (!isObj(via)) continue;
      row += 1;
      const title = str(via.title);
      const rule = str(via.url) ?? str(via.source);
      const sev = NPM_SEVERITY[String(via.severity ?? entry.severity)];
      if (!title || !rule) { rejected.push({ row, title, reason: '缺少 title 或 url/source / no title or advisory id' }); continue; }
      if (!sev) { rejected.push({ row, title, reason: `无法识别的等级 ${String(via.severity)} / unknown severity` }); continue; }
      const name = str(via.name) ?? pkg;
      const range = str(via.range) ?? str(entry.range);
      const advisory = rule.replace(/^https:\/\/github\.com\/advisories\//, '');
      findings.push({
        row, kind: 'npm-audit', rule: advisory, fingerprint: fingerprintOf('npm-audit', advisory, name),
        title: clip(`${name}: ${title}`, 300), severity: sev, component: clip(range ? `${name} ${range}` : name, 300), source: 'npm audit',
        description: [`${advisory}${str(via.url) && str(via.url) !== advisory ? ` ${str(via.url)}` : ''}`, range ? `受影响版本 / vulnerable: ${range}` : null, fixText, effects].filter(Boolean).join('\n'),
        foundAt: null,
      });
    }
  }
  return { kind: 'npm-audit', findings, rejected };
}

function parseZap(doc: Record<string, unknown>): ParsedReport {
  const findings: ParsedFinding[] = [];
  const rejected: RejectedRow[] = [];
  let row = 0;
  for (const site of doc.site as unknown[]) {
    if (!isObj(site)) continue;
    const siteName = str(site['@name']) ?? str(site['@host']) ?? '?';
    for (const alert of Array.isArray(site.alerts) ? site.alerts : []) {
      if (!isObj(alert)) continue;
      row += 1;
      const title = str(alert.name) ?? str(alert.alert);
      const rule = str(alert.alertRef) ?? str(alert.pluginid);
      const sev = ZAP_SEVERITY[String(alert.riskcode ?? '').trim()];
      if (!title || !rule) { rejected.push({ row, title, reason: '缺少 name 或 pluginid / no name or plugin id' }); continue; }
      if (!sev) { rejected.push({ row, title, reason: `riskcode 须为 0–3 / riskcode must be 0–3 (${String(alert.riskcode)})` }); continue; }
      const instances = Array.isArray(alert.instances) ? alert.instances.filter(isObj) : [];
      const where = instances.slice(0, 10).map((i) => `${str(i.method) ?? 'GET'} ${str(i.uri) ?? ''}${str(i.param) ? ` [${str(i.param)}]` : ''}`);
      const strip = (html: unknown) => str(typeof html === 'string' ? html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ') : html);
      findings.push({
        row, kind: 'zap', rule, fingerprint: fingerprintOf('zap', rule, siteName),
        title: clip(title, 300), severity: sev, component: clip(siteName, 300), source: 'OWASP ZAP',
        description: clip([
          `ZAP ${rule}${str(alert.cweid) ? ` CWE-${str(alert.cweid)}` : ''}，${instances.length || Number(alert.count) || 0} 处 / instances`,
          ...where, strip(alert.solution) ? `处置建议 / solution: ${strip(alert.solution)}` : null,
        ].filter(Boolean).join('\n'), 8000),
        foundAt: null,
      });
    }
  }
  return { kind: 'zap', findings, rejected };
}

function parseTrivy(doc: Record<string, unknown>): ParsedReport {
  const findings: ParsedFinding[] = [];
  const rejected: RejectedRow[] = [];
  const artifact = str(doc.ArtifactName);
  const scanned = str(doc.CreatedAt);
  const foundAt = scanned ? parseBusinessTime(scanned.replace(/(\.\d{3})\d+/, '$1')) : null;
  let row = 0;
  for (const result of Array.isArray(doc.Results) ? doc.Results : []) {
    if (!isObj(result)) continue;
    const target = str(result.Target) ?? artifact ?? '?';
    for (const v of Array.isArray(result.Vulnerabilities) ? result.Vulnerabilities : []) {
      if (!isObj(v)) continue;
      row += 1;
      const id = str(v.VulnerabilityID);
      const pkg = str(v.PkgName);
      const title = id ? `${id}${str(v.Title) ? ` ${str(v.Title)}` : ''}` : str(v.Title);
      if (!id || !pkg) { rejected.push({ row, title, reason: '缺少 VulnerabilityID 或 PkgName / no VulnerabilityID or PkgName' }); continue; }
      const sev = TRIVY_SEVERITY[String(v.Severity ?? '').toUpperCase()];
      if (!sev) { rejected.push({ row, title, reason: `等级 ${String(v.Severity)} 无法对应，请人工登记 / severity ${String(v.Severity)} cannot be mapped` }); continue; }
      const installed = str(v.InstalledVersion);
      findings.push({
        row, kind: 'trivy', rule: id, fingerprint: fingerprintOf('trivy', id, `${target}\u0000${pkg}`),
        title: clip(`${pkg}: ${title}`, 300), severity: sev, component: clip(`${pkg}${installed ? ` ${installed}` : ''}（${target}）`, 300), source: 'Trivy',
        description: [`${id}${str(v.PrimaryURL) ? ` ${str(v.PrimaryURL)}` : ''}`, `安装版本 / installed: ${installed ?? '?'}`, `修复版本 / fixed in: ${str(v.FixedVersion) ?? '暂无 / none'}`].join('\n'),
        foundAt,
      });
    }
  }
  return { kind: 'trivy', findings, rejected };
}

/** Header aliases of the generic CSV (lower-cased, spaces and underscores dropped). */
const CSV_COLUMNS: Record<string, 'title' | 'severity' | 'component' | 'foundAt' | 'source' | 'description'> = {
  title: 'title', 标题: 'title', 漏洞名称: 'title', 名称: 'title',
  severity: 'severity', 等级: 'severity', 风险等级: 'severity',
  component: 'component', 组件: 'component', 资产: 'component',
  foundat: 'foundAt', found: 'foundAt', 发现时间: 'foundAt',
  source: 'source', 来源: 'source',
  description: 'description', 描述: 'description',
};

function parseGenericCsv(body: string): ParsedReport {
  let records: string[][];
  try {
    records = parseCsv(body, { relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];
  } catch {
    throw invalid('CSV 无法解析 / the CSV does not parse');
  }
  const header = (records[0] ?? []).map((h) => CSV_COLUMNS[h.toLowerCase().replace(/[\s_-]/g, '')]);
  if (!header.includes('title') || !header.includes('severity')) {
    throw badRequest('UNKNOWN_SCAN_FORMAT', '无法识别的文件：CSV 首行须含 title、severity（及 component、found at、source） / a CSV needs a header with title and severity');
  }
  const findings: ParsedFinding[] = [];
  const rejected: RejectedRow[] = [];
  records.slice(1).forEach((cells, i) => {
    const row = i + 1;
    const rec: Partial<Record<string, string>> = {};
    header.forEach((col, j) => { if (col && cells[j]) rec[col] = cells[j]; });
    const title = rec.title ? clip(rec.title, 300) : null;
    if (!title) { rejected.push({ row, title: null, reason: 'title 为空 / no title' }); return; }
    const severity = CSV_SEVERITY[(rec.severity ?? '').toLowerCase()];
    if (!severity) { rejected.push({ row, title, reason: `severity 须为 critical/high/medium/low（或 严重/高危/中危/低危），而非 "${rec.severity ?? ''}" / unknown severity` }); return; }
    let foundAt: Date | null = null;
    if (rec.foundAt) {
      foundAt = /^\d{4}-\d{2}-\d{2}$/.test(rec.foundAt) ? shanghaiDayStart(rec.foundAt) : parseBusinessTime(rec.foundAt);
      if (!foundAt) { rejected.push({ row, title, reason: `found at 须为 ISO 8601 或 YYYY-MM-DD HH:mm:ss，而非 "${rec.foundAt}" / bad time` }); return; }
    }
    const source = clip(rec.source ?? 'CSV', 200);
    const component = rec.component ? clip(rec.component, 300) : null;
    findings.push({
      row, kind: 'csv', rule: title, fingerprint: fingerprintOf('csv', `${source}\u0000${title}`, component ?? ''),
      title, severity, component, source, description: rec.description ?? null, foundAt,
    });
  });
  return { kind: 'csv', findings, rejected };
}
