import gcoordModule from 'gcoord';

// gcoord ships CommonJS with ESM-style typings (see registry/coords.ts): accept either shape.
type Gcoord = typeof gcoordModule.default;
const gcoord: Gcoord = (gcoordModule as unknown as { default?: Gcoord }).default ?? (gcoordModule as unknown as Gcoord);

/*
 * Navigation links of a lot (docs/公众服务接口.md, "停车场详情"): AMap takes GCJ-02 as stored
 * (`coordinate=gaode`); Baidu draws in BD-09, so its links carry the lot converted with gcoord.
 */

export interface NavigationLinks {
  amap: string;
  /** Baidu Maps app (opens it on the phone). */
  baidu: string;
  /** Baidu Maps on the web, for phones without the app. */
  baiduWeb: string;
  /** The lot in BD-09, as the Baidu links carry it. */
  bd09: { lng: number; lat: number };
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
const SRC = 'zhibo.nantong.public';

export function navigationLinks(lng: number, lat: number, name: string): NavigationLinks {
  const [bx, by] = gcoord.transform([lng, lat] as [number, number], gcoord.GCJ02, gcoord.BD09);
  const bd09 = { lng: round6(bx), lat: round6(by) };
  const n = encodeURIComponent(name);
  const dest = `latlng:${bd09.lat},${bd09.lng}|name:${n}`;
  return {
    amap: `https://uri.amap.com/navigation?to=${lng},${lat},${n}&mode=car&coordinate=gaode&callnative=1`,
    baidu: `baidumap://map/direction?destination=${dest}&coord_type=bd09ll&mode=driving&src=${SRC}`,
    baiduWeb: `https://api.map.baidu.com/direction?destination=${dest}&coord_type=bd09ll&mode=driving&region=${encodeURIComponent('南通')}&output=html&src=${SRC}`,
    bd09,
  };
}
