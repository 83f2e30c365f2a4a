/** Working days (法定节假日, 调休), service calendars and business-time arithmetic: pure, Shanghai time. */
export * from './days.js';
export * from './calendars.js';
export * from './business-time.js';
