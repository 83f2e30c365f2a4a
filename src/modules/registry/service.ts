/*
 * What other modules may use of the registry. They call these, never the registry's tables:
 * ingest verifies signatures with sourceCredentials, checks import sources with sourceInfo, and resolves lots with lotRefs;
 * the snapshot-feed import creates the feed's operators and sources with createOperator/createSource and its lots with importLots.
 */
export { getLot, listLots, lotRefs, type LotRef, type LotView } from './lots.js';
export { listDistricts, type DistrictView } from './districts.js';
export { createOperator, listOperators, getOperator, type OperatorView } from './operators.js';
export { createSource, getSource, listSources, sourceCredentials, sourceInfo, type SourceView } from './sources.js';
export { listBerths, type BerthView } from './berths.js';
export { readLotSheet } from './lot-file.js';
export { importLots, type ImportResult } from './lot-import.js';
export { coordinateProblem } from './coords.js';
export { seedSampleRegistry } from './sample-data.js';
