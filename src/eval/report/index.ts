// Reports of runs: chart helpers (SVG via vega-lite, PNG via resvg), the per-run training report, image grids (bare,
// and labelled with prompts and gold ✓/✗), SEs of gold accuracies.
export {
  chartPanelsSvg,
  groupedBarChartSvg,
  lineChartSvg,
  renderChartPanels,
  renderLineChart,
  type AxisScale,
  type BarChartSpec,
  type ChartPoint,
  type ChartSeries,
  type LineChartSpec,
  type PanelsSpec,
  type SeriesMark,
} from './charts.js';
export { svgToPng, writeChartFiles, type ChartFiles, type PngOptions, type RenderedChart } from './chart-render.js';
export {
  compareRunsPanels,
  runPoints,
  type CompareMetric,
  type CompareOptions,
  type CompareRun,
} from './compare-chart.js';
export {
  GRID_AFTER,
  GRID_BEFORE,
  REPORT_FIGURE_DIR,
  writeTrainingReport,
  type TrainingReport,
  type TrainingReportOptions,
  type TrainingReportSummary,
} from './training-report.js';
export { RUN_STORE_FILE, ReportInputError, loadRunData, type RunData } from './run-data.js';
export { encodeGridPng, writeGridPng, type GridOptions } from './png.js';
export {
  encodeLabelledGridPng,
  labelledGridSvg,
  writeLabelledGridPng,
  type LabelledCell,
  type LabelledGridOptions,
} from './labelled-grid.js';
export { binomialSe, stratifiedMeanSe, suiteErrors } from './accuracy-se.js';
export { encodeClipGridGif, writeClipGridGif, type ClipGridOptions } from './gif.js';
