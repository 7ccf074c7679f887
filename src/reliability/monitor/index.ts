// The reward-hacking monitor: signals, rules, decisions, and the TrainingMonitor the shared loop calls.
export {
  DEFAULT_MONITOR_CONFIG,
  loadMonitorConfig,
  monitorActionSchema,
  monitorConfigSchema,
  monitorRuleSchema,
  parseMonitorConfig,
  ruleName,
  type MonitorConfig,
  type MonitorRule,
  type MonitorRuleAction,
} from './config.js';
export { SIGNAL_NAMES, argmaxFinite, centredMean, finiteMean, series, slope, trailingMean, type MonitorMetrics, type SignalName } from './signals.js';
export { checkRule, type RuleCheck } from './rules.js';
export { alarmActions, firingRules, rollbackTarget, type FiredAlarm, type RollbackTarget } from './decide.js';
export { measureSnapshot, snapshotDiversity, type MeasureInputs } from './measure.js';
export { HackingMonitor, type HackingMonitorOptions } from './hacking-monitor.js';
