import type { App } from '../../platform/http.js';
import { berthRoutes } from './routes-berths.js';
import { directoryRoutes } from './routes-directory.js';
import { lotFileRoutes } from './routes-lot-files.js';
import { lotRoutes } from './routes-lots.js';
import { BerthSchema, DistrictSchema, ImportResultSchema, LotSchema, OperatorSchema, SourceSchema, SourceWithSecret } from './schemas.js';
import type { RegistryContext } from './repo.js';

/** The resource registry (数据资源): districts, operators, data sources, lots, berths. */
export function registryRoutes(ctx: RegistryContext) {
  return async (app: App) => {
    for (const schema of [DistrictSchema, OperatorSchema, SourceSchema, SourceWithSecret, LotSchema, BerthSchema, ImportResultSchema]) app.addSchema(schema);
    await app.register(directoryRoutes(ctx));
    await app.register(lotRoutes(ctx));
    await app.register(lotFileRoutes(ctx));
    await app.register(berthRoutes(ctx));
  };
}
