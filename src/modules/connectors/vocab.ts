/* The connectors module's vocabularies (docs/数据对接.md). */

export const CONNECTOR_KINDS = ['http', 'database', 'file'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

export const KIND_LABELS: Record<ConnectorKind, string> = { http: 'HTTP 接口轮询', database: '数据库表轮询', file: '文件投递目录' };

/** The lease of a connector's pull: one node pulls a connector at a time (src/platform/jobs.ts). */
export const pullLease = (code: string) => `connectors.pull:${code}`;
/** The scheduled job that finds due connectors and pulls each under its own lease. */
export const PULL_JOB = 'connectors.pull';
