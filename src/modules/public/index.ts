/*
 * 公众服务 (public service): the module's only entry for app.ts and other modules.
 * The contract for mini-program vendors is docs/公众服务接口.md.
 */
export { publicRoutes, PUBLIC_MAX_AGE_S } from './routes.js';
export { nearbyLots, lotDetail, estimateFee, guidance, publicLotsByIds } from './service.js';
export { haversineMetres, boundingBox, type LngLat } from './geo.js';
export { availabilityOf, type Availability, type AvailabilityView } from './availability.js';
export { citizenPlateOf } from './citizen.js';
export type { PublicTables } from './tables.js';
