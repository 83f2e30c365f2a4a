/*
 * 数据对接 (connectors): pulling from systems that cannot push — HTTP feeds, database tables,
 * dropped files — through ingest's ingestBatch (docs/数据对接.md, decision 0028). The module's
 * only entry for the app root, the CLI and tests.
 */
export { connectorsRoutes } from './routes.js';
export { pullConnector, pullDueConnectors, type PullResult, type PageReport } from './runner.js';
export { mapRecord, checkMapping, type Mapping } from './mapping.js';
export { signFeedRequest } from './adapters/http.js';
export { PULL_JOB } from './vocab.js';
export type { ConnectorsTables } from './tables.js';
