import type { AppContext } from '../../platform/context.js';
import { systemActor } from '../../platform/auth/permissions.js';
import * as repo from './repo.js';
import { themesContext } from './repo.js';
import { createTheme, type ThemeInput } from './service.js';

/*
 * The demo city's themes (`zhibo demo`): the simulator's hospitals, schools, scenic lots and
 * stations of 崇川区 by category, and the old town around 濠河 by a point and radius. Themes that
 * already exist are left alone, so a second run changes nothing.
 */

const DEMO_THEMES: (ThemeInput & { code: string })[] = [
  { code: 'CC-HOSPITALS', name: '崇川区医院周边', kind: 'hospital', categories: ['hospital'], districtCodes: ['320602'] },
  { code: 'CC-SCHOOLS', name: '崇川区学校周边', kind: 'school', categories: ['school'], districtCodes: ['320602'] },
  { code: 'CC-SCENIC', name: '崇川区景区', kind: 'scenic', categories: ['scenic'], districtCodes: ['320602'] },
  { code: 'CITY-HUBS', name: '全市交通枢纽', kind: 'transport', categories: ['transport'] },
  { code: 'HAOHE', name: '濠河周边', kind: 'scenic', points: [{ lng: 120.8700, lat: 32.0100, radiusM: 1500 }] },
];

export async function seedDemoThemes(appCtx: AppContext): Promise<number> {
  const ctx = themesContext(appCtx);
  let created = 0;
  for (const t of DEMO_THEMES) {
    if ((await repo.themes(ctx.db, null, t.code)).length) continue;
    await createTheme(ctx, systemActor('demo'), { lotCodes: [], ...t });
    created += 1;
  }
  return created;
}
