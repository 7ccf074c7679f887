// The monitor contract lives with the monitors (src/reliability/monitor/contract.ts); the loop re-exports it.
export * from '../reliability/monitor/contract.js';
