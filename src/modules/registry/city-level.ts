import type { Actor } from '../../platform/auth/permissions.js';
import { AppError } from '../../platform/errors.js';
import { districtScope } from '../../platform/scope.js';

/** Districts and operators are shared by the whole city: only city-level staff change them. */
export function assertCityLevel(actor: Actor): void {
  if (districtScope(actor) !== null) {
    throw new AppError(403, 'CITY_LEVEL_REQUIRED', '仅市级用户可执行此操作 / only city-level users may do this');
  }
}
