/*
 * What other modules may use of the registry. They call these, never the registry's tables:
 * ingest verifies signatures with sourceCredentials, checks import sources with sourceInfo, and resolves lots with lotRefs.
 */
export { getLot, listLots, lotRefs, type LotRef, type LotView } from './lots.js';
export { listDistricts, type DistrictView } from './districts.js';
export { listOperators, getOperator, type OperatorView } from './operators.js';
export { getSource, listSources, sourceCredentials, sourceInfo, type SourceView } from './sources.js';
export { listBerths, type BerthView } from './berths.js';
export { readLotSheet } from './lot-file.js';
export { importLots, type ImportResult } from './lot-import.js';
export { seedSampleRegistry } from './sample-data.js';
