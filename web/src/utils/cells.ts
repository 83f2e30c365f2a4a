// el-table-column formatters: one line a column for the common cells (times in Shanghai, numbers,
// a dash for nothing), e.g. <el-table-column prop="createdAt" :formatter="dateTimeCell" … />.
import { formatDateTime, formatNumber, orDash } from './format';

type Cell = (row: unknown, column: unknown, value: unknown) => string;

export const dateTimeCell: Cell = (_row, _column, value) => formatDateTime(value as string | null);
export const numberCell: Cell = (_row, _column, value) => formatNumber(value as number | null);
export const dashCell: Cell = (_row, _column, value) => orDash(value as string | number | null);
