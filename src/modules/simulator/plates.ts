import { isNoPlateKey, NO_PLATE, noPlateKey, type PlateColor } from '../../platform/plates.js';
import type { Rng } from './random.js';

/*
 * Plates as Nantong's lots see them: mostly 苏F (Nantong), then the rest of Jiangsu (neighbours
 * 苏J 盐城, 苏M 泰州, 苏E 苏州 most), then Shanghai and the nearby provinces. About a quarter are
 * new-energy plates (8 characters, green), a few are yellow (trucks, buses, coaches).
 * Letters never include I or O. A few come in the raw shapes vendor feeds send
 * (`苏F·12345`, lower case, full-width digits); all pass isValidPlate(normalizePlate(p)).
 */

export interface GeneratedPlate {
  /** As the lot system sends it (sometimes with a separator, lower case or full-width). */
  raw: string;
  /** Normalised form (docs/接入规范.md §6.2); `无牌车#<ticket>` for a car without a plate. */
  plate: string;
  color: PlateColor;
  newEnergy: boolean;
  /** A car without a plate (无牌车/临时车): the lot system's ticket, sent as `ticketId` (docs/接入规范.md §6.2). */
  ticketId?: string;
}

export interface PlateMix {
  /** Share of 苏F plates. */
  nantong: number;
  /** Share of other Jiangsu cities. */
  jiangsu: number;
  /** Share of new-energy plates. */
  newEnergy: number;
  /** Share of yellow plates among the regular (fuel) ones. */
  yellow: number;
  /** Share sent in a vendor's raw shape. */
  raw: number;
}

export const DEFAULT_PLATE_MIX: PlateMix = { nantong: 0.72, jiangsu: 0.14, newEnergy: 0.25, yellow: 0.04, raw: 0.06 };

/** Plate letters: A–Z without I and O. */
export const PLATE_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LETTERS = [...PLATE_LETTERS];
const DIGITS = [...'0123456789'];

/** Other Jiangsu cities, weighted toward Nantong's neighbours. */
const JIANGSU: readonly (readonly [string, number])[] = [
  ['A', 10], ['B', 6], ['C', 3], ['D', 4], ['E', 12], ['G', 2], ['H', 3], ['J', 14], ['K', 5], ['L', 3], ['M', 12], ['N', 2],
];

/** Other provinces with the letters of their busiest cities. */
const PROVINCES: readonly (readonly [string, string, number])[] = [
  ['沪', 'ABCDEFGHJKLMN', 30],
  ['浙', 'ABCDEFGHJKL', 18],
  ['皖', 'ABCDEFGHJKLMNPRS', 14],
  ['鲁', 'ABCDEFGHJKLMNPQRSUV', 8],
  ['豫', 'ABCDEFGHJKLMNPQRSU', 5],
  ['京', 'ABCEFGHJKLMNPQ', 4],
  ['粤', 'ABCDEFGHJKLMNPQRSTUVWXY', 4],
  ['鄂', 'ABCDEFGHJKLMNPQRS', 3],
  ['赣', 'ABCDEFGHJKLM', 3],
  ['闽', 'ABCDEFGHJK', 3],
  ['川', 'ABCDEFGHJKLMQRSTUVWXYZ', 3],
  ['冀', 'ABCDEFGHJRT', 2],
  ['黑', 'ABCDEFGHJKLMNP', 1],
];

const PROVINCE_WEIGHTS = PROVINCES.map(([p, l, w]) => [[p, [...l]] as const, w] as const);

const FULL_WIDTH_OFFSET = 0xff10 - 0x30;
const toFullWidth = (s: string) => s.replace(/[0-9A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + FULL_WIDTH_OFFSET));

function regionOf(rng: Rng, mix: PlateMix): string {
  const r = rng.float();
  if (r < mix.nantong) return '苏F';
  if (r < mix.nantong + mix.jiangsu) return `苏${rng.weighted(JIANGSU)}`;
  const [province, letters] = rng.weighted(PROVINCE_WEIGHTS);
  return province + rng.pick(letters);
}

/** Five characters of a regular plate: digits with at most two letters, never I or O. */
function regularTail(rng: Rng): string {
  const chars = Array.from({ length: 5 }, () => rng.pick(DIGITS));
  const letters = rng.weighted([[0, 55], [1, 35], [2, 10]] as const);
  const positions = rng.shuffle([0, 1, 2, 3, 4]).slice(0, letters);
  for (const i of positions) chars[i] = rng.pick(LETTERS);
  return chars.join('');
}

/** Six characters of a new-energy plate: small cars D/F + (letter or digit) + 4 digits; large ones 5 digits + D/F. */
function newEnergyTail(rng: Rng): { tail: string; large: boolean } {
  const energy = rng.weighted([['D', 70], ['F', 30]] as const);
  if (rng.chance(0.05)) return { tail: Array.from({ length: 5 }, () => rng.pick(DIGITS)).join('') + energy, large: true };
  const second = rng.chance(0.3) ? rng.pick(LETTERS) : rng.pick(DIGITS);
  return { tail: energy + second + Array.from({ length: 4 }, () => rng.pick(DIGITS)).join(''), large: false };
}

/** A vendor's way of writing a normalised plate. */
export function rawForm(rng: Rng, plate: string): string {
  const [province, ...rest] = [...plate];
  const letter = rest[0]!;
  const tail = rest.slice(1).join('');
  switch (rng.int(0, 4)) {
    case 0: return `${province}${letter}·${tail}`;
    case 1: return `${province}${letter.toLowerCase()}${tail.toLowerCase()}`;
    case 2: return `${province}${letter}${toFullWidth(tail)}`;
    case 3: return `${province}${letter} ${tail}`;
    default: return ` ${plate} `;
  }
}

export function generatePlate(rng: Rng, mix: PlateMix = DEFAULT_PLATE_MIX): GeneratedPlate {
  const region = regionOf(rng, mix);
  let plate: string;
  let color: PlateColor;
  const newEnergy = rng.chance(mix.newEnergy);
  if (newEnergy) {
    const { tail, large } = newEnergyTail(rng);
    plate = region + tail;
    color = large ? 'yellow_green' : 'green';
  } else {
    plate = region + regularTail(rng);
    color = rng.chance(mix.yellow) ? 'yellow' : 'blue';
  }
  const raw = rng.chance(mix.raw) ? rawForm(rng, plate) : plate;
  return { raw, plate, color, newEnergy };
}

/*
 * Cars without a plate (new cars not yet registered, temporary plates the cameras cannot read):
 * real lots let them in on a paper or QR ticket and send the ticket with the entry and the exit
 * (docs/接入规范.md §6.2). About 1.5 % of visitors; the live generator and the history both
 * decide it by a hash of the seed and the stay, so that no random stream shifts.
 */
export const NO_PLATE_SHARE = 0.015;

/** The words lot systems send for such a car. */
const NO_PLATE_SENT = [NO_PLATE, '临时车'] as const;

/** A car without a plate on the given ticket; `wordPick` in [0, 1) picks the word its lot system sends. */
export function noPlateCar(ticketId: string, wordPick: number): GeneratedPlate {
  return { raw: NO_PLATE_SENT[Math.floor(wordPick * NO_PLATE_SENT.length)]!, plate: noPlateKey(ticketId)!, color: 'blue', newEnergy: false, ticketId };
}

/** A ticket as lot systems print them: `T` and ten characters, from a number in [0, 1). */
export function ticketIdOf(u: number): string {
  return `T${Math.floor(u * 36 ** 10).toString(36).toUpperCase().padStart(10, '0')}`;
}

/** The ticket of a stored `无牌车#<ticket>` plate, or undefined for a real plate. */
export function ticketOfPlate(plate: string): string | undefined {
  return isNoPlateKey(plate) ? plate.slice(NO_PLATE.length + 1) : undefined;
}

/**
 * Raw plate values real feeds send that are not plates at all (for the quarantine). 无牌车 and
 * 临时车 are among them: sent WITHOUT a ticket they cannot be paired and are refused.
 */
export const INVALID_PLATES = ['无牌车', '未识别', '苏F', 'ABC1234', '苏FO1234', '临时车', '********'] as const;
